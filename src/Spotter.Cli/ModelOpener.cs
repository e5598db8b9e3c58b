using Spotter.Inference;

namespace Spotter.Cli;

/// <summary>Opens what a user names as a model (a run folder or its model.json) as an <see cref="IDetector"/>.</summary>
public static class ModelOpener
{
    public static IDetector Open(string path, string device) => Detector.Load(path, device);
}
