namespace Spotter.Training;

/// <summary>Where a training run tells the user what it is doing (the CLI prints; tests ignore).</summary>
public interface ITrainingReporter : ILearnerCallback
{
    void Message(string text);
}
