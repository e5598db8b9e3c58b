namespace Spotter.Training;

/// <summary>
/// Hooks into the training loop's named events. Every method has a default that does nothing,
/// so a callback implements only what it needs.
/// </summary>
public interface ILearnerCallback
{
    void BeginFit(Learner learner) { }
    void BeginEpoch(Learner learner, int epoch) { }
    void AfterBatch(Learner learner, BatchProgress progress) { }
    void AfterEpoch(Learner learner, EpochRecord record) { }
    void AfterFit(Learner learner) { }

    /// <summary>Set to ask the learner to stop after the current epoch (early stopping).</summary>
    bool StopRequested => false;
}
