namespace Spotter.Runtime;

/// <summary>
/// Deterministic seed mixing (SplitMix64 finaliser). HashCode.Combine cannot be used for seeds:
/// it is randomised per process, so runs would not repeat.
/// </summary>
public static class Seeds
{
    public static int Mix(params long[] parts)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (var part in parts)
        {
            h ^= (ulong)part + 0x9E3779B97F4A7C15UL + (h << 6) + (h >> 2);
            h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
            h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
            h ^= h >> 31;
        }
        return (int)(h & 0x7FFFFFFF);
    }
}
