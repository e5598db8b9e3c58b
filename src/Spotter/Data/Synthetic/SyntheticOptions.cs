using System.Globalization;

namespace Spotter.Data.Synthetic;

/// <summary>
/// How many synthetic images, how big, from which seed, which scenes:
/// <c>synthetic[:COUNT|:count=N,size=S,seed=K,objects=mixed|small]</c>. <c>mixed</c> (the default):
/// 1-6 objects from 14 px to almost half the image, one dominant; <c>small</c>: many objects of
/// 12-30 px scattered over a large image (small objects in large photos, for tiling).
/// </summary>
public sealed record SyntheticOptions(int Count = 1000, int Size = 256, int Seed = 0, bool SmallObjects = false)
{
    public static SyntheticOptions Parse(string spec)
    {
        var options = new SyntheticOptions();
        var colon = spec.IndexOf(':');
        if (colon < 0) return options;
        foreach (var part in spec[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            var (key, text) = kv.Length == 1 ? ("count", kv[0]) : (kv[0].Trim(), kv[1]);
            if (key == "objects")
            {
                options = text switch
                {
                    "mixed" => options with { SmallObjects = false },
                    "small" => options with { SmallObjects = true },
                    _ => throw new SpotterException($"{spec}: objects must be 'mixed' or 'small' (got '{text}')"),
                };
                continue;
            }
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 0)
                throw new SpotterException($"{spec}: '{part}' is not a whole number option (use synthetic:count=N,size=S,seed=K,objects=mixed|small)");
            options = key switch
            {
                "count" when value >= 1 => options with { Count = value },
                "size" when value >= 64 => options with { Size = value },
                "seed" => options with { Seed = value },
                _ => throw new SpotterException($"{spec}: unknown or out-of-range option '{part}' (count >= 1, size >= 64, seed, objects)"),
            };
        }
        return options;
    }
}
