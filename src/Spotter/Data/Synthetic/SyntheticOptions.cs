using System.Globalization;

namespace Spotter.Data.Synthetic;

/// <summary>How many synthetic images, how big, from which seed: <c>synthetic[:COUNT|:count=N,size=S,seed=K]</c>.</summary>
public sealed record SyntheticOptions(int Count = 1000, int Size = 256, int Seed = 0)
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
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 0)
                throw new SpotterException($"{spec}: '{part}' is not a whole number option (use synthetic:count=N,size=S,seed=K)");
            options = key switch
            {
                "count" when value >= 1 => options with { Count = value },
                "size" when value >= 64 => options with { Size = value },
                "seed" => options with { Seed = value },
                _ => throw new SpotterException($"{spec}: unknown or out-of-range option '{part}' (count >= 1, size >= 64, seed)"),
            };
        }
        return options;
    }
}
