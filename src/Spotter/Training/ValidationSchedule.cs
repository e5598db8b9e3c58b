namespace Spotter.Training;

/// <summary>
/// Which epochs end with a validation pass (<c>--validate-every N</c>). A pass over bccd's 87 val
/// images at 384 px took 7-13 s of a 38-56 s epoch, so under a time budget validating every
/// epoch costs a fifth of the training. Validated are: every <see cref="Every"/>th epoch of a
/// phase, the first and the last epoch of each phase (what unfreezing did; the model the phase
/// ends with), and every epoch in the closing third of the run's last phase, where one-cycle has
/// annealed and the best epoch is chosen (the best bccd epochs by val were at 76-100 % of their
/// runs). Every = 1 validates every epoch, as fastai does (the default without a time budget).
/// </summary>
public sealed record ValidationSchedule(int Every)
{
    /// <summary>The default under <c>--time</c>: a budget buys training epochs rather than early validations.</summary>
    public const int BudgetedEvery = 4;

    public int Every { get; } = Every >= 1 ? Every : throw new SpotterException("--validate-every must be at least 1");

    /// <summary>Whether epoch <paramref name="epoch"/> (0-based within its phase) of a phase of <paramref name="phaseEpochs"/> is validated.</summary>
    public bool Validates(int epoch, int phaseEpochs, bool lastPhase) =>
        epoch == 0 || epoch >= phaseEpochs - 1 || (epoch + 1) % Every == 0 || (lastPhase && epoch >= phaseEpochs - ClosingEpochs(phaseEpochs));

    /// <summary>How many of the phase's epochs from <paramref name="from"/> (0-based) to its end are validated.</summary>
    public int Count(int from, int phaseEpochs, bool lastPhase) =>
        Enumerable.Range(from, Math.Max(0, phaseEpochs - from)).Count(e => Validates(e, phaseEpochs, lastPhase));

    /// <summary>The closing third of a phase, rounded up.</summary>
    public static int ClosingEpochs(int phaseEpochs) => (phaseEpochs + 2) / 3;
}
