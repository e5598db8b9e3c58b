namespace Spotter.Training;

/// <summary>
/// Which schedule a fit uses; <see cref="Factor"/> maps a step to a multiplier of each group's peak
/// rate, and <see cref="Momentum"/> to the momentum (Adam's beta1) when it cycles with one-cycle.
/// </summary>
public sealed record LrSchedule(ScheduleKind Kind, double CycleLength = 1, double CycleMultiplier = 2, bool CycleMomentum = false)
{
    public static readonly LrSchedule OneCycle = new(ScheduleKind.OneCycle);
    public static readonly LrSchedule Constant = new(ScheduleKind.Constant);
    public static LrSchedule Sgdr(double cycleLength = 1, double cycleMultiplier = 2) => new(ScheduleKind.Sgdr, cycleLength, cycleMultiplier);

    public double Factor(long step, long totalSteps, int stepsPerEpoch) => Kind switch
    {
        ScheduleKind.OneCycle => Schedules.OneCycle(totalSteps <= 1 ? 0 : (double)step / (totalSteps - 1)),
        ScheduleKind.Sgdr => Schedules.Sgdr((double)step / stepsPerEpoch, CycleLength, CycleMultiplier),
        _ => 1,
    };

    /// <summary>The momentum for this step, or null to leave the optimiser's own (it cycles only with one-cycle).</summary>
    public double? Momentum(long step, long totalSteps) =>
        CycleMomentum && Kind == ScheduleKind.OneCycle ? Schedules.OneCycleMomentum(totalSteps <= 1 ? 0 : (double)step / (totalSteps - 1)) : null;
}
