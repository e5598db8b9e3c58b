namespace Spotter.Training;

public sealed class SilentReporter : ITrainingReporter
{
    public void Message(string text) { }
}
