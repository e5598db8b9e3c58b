using Google.Protobuf;
using Onnx;

namespace Spotter.Export;

/// <summary>
/// A small writer of ONNX graphs: constants become initializers, every node gets a unique output
/// name, and the common operators have helpers that take and return value names. Only what
/// Spotter's models need; attributes are ints, int lists, floats and strings.
/// </summary>
public sealed class OnnxGraph
{
    private readonly GraphProto _graph = new() { Name = "spotter" };
    private int _next;

    /// <summary>Value names in the graph, so callers can tell a tensor from a name.</summary>
    public string Name(string hint) => $"{hint}_{_next++}";

    public void Input(string name, params object[] dims) => _graph.Input.Add(ValueInfo(name, TensorProto.Types.DataType.Float, dims));

    public void Output(string name, TensorProto.Types.DataType type, params object[] dims) => _graph.Output.Add(ValueInfo(name, type, dims));

    /// <summary>A float constant of the given shape.</summary>
    public string Constant(string hint, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = Name(hint), DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A 1-D int64 constant (shapes, axes, indices).</summary>
    public string Int64s(string hint, params long[] values) => Int64Tensor(hint, values, [values.Length]);

    /// <summary>An int64 scalar (rank 0).</summary>
    public string Int64Scalar(string hint, long value) => Int64Tensor(hint, [value], []);

    private string Int64Tensor(string hint, long[] values, long[] dims)
    {
        var tensor = new TensorProto { Name = Name(hint), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Int64Data.AddRange(values);
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A float scalar constant (rank 0).</summary>
    public string Scalar(float value) => Constant("scalar", [value]);

    /// <summary>A node with one output; returns the output's name.</summary>
    public string Node(string op, IEnumerable<string> inputs, params (string Name, object Value)[] attributes) => Nodes(op, inputs, 1, attributes)[0];

    /// <summary>A node with several outputs; returns their names.</summary>
    public string[] Nodes(string op, IEnumerable<string> inputs, int outputs, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Name(op) };
        node.Input.AddRange(inputs);
        var names = Enumerable.Range(0, outputs).Select(_ => Name(op.ToLowerInvariant())).ToArray();
        node.Output.AddRange(names);
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        _graph.Node.Add(node);
        return names;
    }

    /// <summary>Makes <paramref name="value"/> also available under <paramref name="name"/> (for graph outputs).</summary>
    public void Alias(string value, string name)
    {
        var node = new NodeProto { OpType = "Identity", Name = Name("Identity") };
        node.Input.Add(value);
        node.Output.Add(name);
        _graph.Node.Add(node);
    }

    public ModelProto ToModel(int opset, IReadOnlyDictionary<string, string> metadata)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "spotter", ProducerVersion = SpotterInfo.Version, Graph = _graph.Clone() };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        foreach (var (key, value) in metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    /// <summary>Drops graph outputs whose names start with <paramref name="prefix"/> (the extra outputs used to check the export).</summary>
    public void RemoveOutputs(string prefix)
    {
        foreach (var output in _graph.Output.Where(o => o.Name.StartsWith(prefix, StringComparison.Ordinal)).ToList()) _graph.Output.Remove(output);
    }

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        long i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        string s => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(s) },
        long[] ints => WithInts(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints }, ints),
        _ => throw new ArgumentException($"unsupported attribute {name}: {value.GetType().Name}"),
    };

    private static AttributeProto WithInts(AttributeProto attribute, long[] ints)
    {
        attribute.Ints.AddRange(ints);
        return attribute;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
            shape.Dim.Add(dim is string symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim) });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}
