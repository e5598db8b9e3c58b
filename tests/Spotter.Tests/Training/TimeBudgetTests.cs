using Spotter.Tests.Cli;
using Spotter.Training;

namespace Spotter.Tests.Training;

public sealed class TimeBudgetTests
{
    [Theory]
    [InlineData("20m", 1200)]
    [InlineData("1h30m", 5400)]
    [InlineData("90s", 90)]
    [InlineData("2h", 7200)]
    [InlineData("1m30s", 90)]
    [InlineData("45", 2700)] // a bare number is minutes
    public void Durations_read_as_users_write_them(string text, double seconds) =>
        Assert.Equal(seconds, TimeBudget.Parse(text).TotalSeconds);

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("0m")]
    [InlineData("20 minutes")]
    public void Other_durations_are_refused_with_the_option_named(string text) =>
        Assert.Contains("--time", Assert.Throws<SpotterException>(() => TimeBudget.Parse(text)).Message);

    private static TimeBudget.EpochCost EveryEpoch(double seconds) => new(seconds, 0, new ValidationSchedule(1));

    [Fact]
    public void The_epochs_that_fit_leave_room_for_the_end_of_the_run()
    {
        // 600 s left; the end takes 1.5 x 10 + 3 = 18 s; an epoch is 20 steps of 2 s plus 10 s of validation = 50 s.
        Assert.Equal(11, TimeBudget.EpochsThatFit(600, new TimeBudget.EpochCost(40, 10, new ValidationSchedule(1)), TimeBudget.FinishSeconds(10)));
        Assert.Equal(18, TimeBudget.FinishSeconds(10));
        Assert.Equal(1, TimeBudget.EpochsThatFit(10, new TimeBudget.EpochCost(40, 10, new ValidationSchedule(1)), 25)); // never fewer than one
    }

    [Fact]
    public void Epochs_left_unvalidated_buy_more_epochs()
    {
        // 582 s for epochs of 40 s, validated every 4th (plus the first, the last and the closing third): 13 epochs cost
        // 13 x 40 + 8 x 10 = 600 s (validated: 1, 4, 8, 9-13), too much; 12 cost 480 + 7 x 10 = 550 s (1, 4, 8, 9-12).
        // Validating every epoch, 11 fit (the test above).
        var sparse = new TimeBudget.EpochCost(40, 10, new ValidationSchedule(4));
        Assert.Equal(550, sparse.Of(0, 12));
        Assert.Equal(600, sparse.Of(0, 13));
        Assert.Equal(12, TimeBudget.EpochsThatFit(600, sparse, TimeBudget.FinishSeconds(10)));
        // After 8 of them, 4 more are the closing third of a 12-epoch phase, all validated: 4 x 50 = 200 s.
        Assert.Equal(4, sparse.MoreThatFit(8, 200));
        Assert.Equal(3, sparse.MoreThatFit(8, 199));
    }

    [Fact]
    public void Measured_epochs_revise_the_plan()
    {
        // Planned 20; after 2 epochs of 50 s each, 500 s are left and the end takes 20 s: 9 more fit.
        Assert.Equal(11, TimeBudget.Revise(planned: 20, done: 2, EveryEpoch(50), remainingSeconds: 500, finishSeconds: 20));
        // Faster than planned: the plan grows.
        Assert.Equal(32, TimeBudget.Revise(20, 2, EveryEpoch(16), 500, 20));
        // Over budget already: one more epoch, so the schedule still ends.
        Assert.Equal(3, TimeBudget.Revise(20, 2, EveryEpoch(50), 10, 20));
        // Done: the plan stands.
        Assert.Equal(4, TimeBudget.Revise(4, 4, EveryEpoch(50), 1000, 20));
        Assert.Equal(5, TimeBudget.Revise(4, 3, EveryEpoch(50), 120, 20)); // at three quarters it still moves freely: 3 + floor(100 / 50)
    }

    [Fact]
    public void In_the_last_quarter_the_plan_moves_one_epoch_at_a_time()
    {
        // 16 of 20 done; 10 epochs of 50 s would fit, but the plan grows by one.
        Assert.Equal(21, TimeBudget.Revise(planned: 20, done: 16, EveryEpoch(50), remainingSeconds: 520, finishSeconds: 20));
        // Over budget: it shrinks by one.
        Assert.Equal(19, TimeBudget.Revise(20, 16, EveryEpoch(50), 10, 20));
        // On plan, or one epoch off (noise): unchanged (16 + floor(200 / 50) = 20, 16 + floor(250 / 50) = 21).
        Assert.Equal(20, TimeBudget.Revise(20, 16, EveryEpoch(50), 220, 20));
        Assert.Equal(20, TimeBudget.Revise(20, 16, EveryEpoch(50), 270, 20));
        // Over budget before the last epoch: it still runs, so the schedule ends.
        Assert.Equal(19, TimeBudget.Revise(19, 18, EveryEpoch(50), 0, 20));
    }
}

public sealed class ValidationScheduleTests
{
    private static int[] Validated(ValidationSchedule schedule, int epochs, bool lastPhase) =>
        Enumerable.Range(0, epochs).Where(e => schedule.Validates(e, epochs, lastPhase)).ToArray();

    [Fact]
    public void Every_fourth_epoch_the_first_the_last_and_the_closing_third_of_the_run_are_validated()
    {
        var schedule = new ValidationSchedule(4);
        Assert.Equal([0, 3, 7, 8, 9, 10, 11], Validated(schedule, 12, lastPhase: true));
        Assert.Equal(7, schedule.Count(0, 12, lastPhase: true));
        Assert.Equal(5, schedule.Count(7, 12, lastPhase: true));
        Assert.Equal([0, 3, 7, 11], Validated(schedule, 12, lastPhase: false)); // a frozen phase before the run's last: no closing third
        Assert.Equal([0], Validated(schedule, 1, lastPhase: false));
        Assert.Equal(Enumerable.Range(0, 12).ToArray(), Validated(new ValidationSchedule(1), 12, lastPhase: false));
    }

    [Fact]
    public void Validating_less_than_every_epoch_is_refused() =>
        Assert.Contains("--validate-every", Assert.Throws<SpotterException>(() => new ValidationSchedule(0)).Message);
}

public sealed class TimeBudgetRunTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-time-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_budgeted_run_plans_its_unfrozen_epochs_and_records_them()
    {
        var run = Path.Combine(_root, "run");
        var (code, output, error) = CliRunner.Run("train", "synthetic:count=40,size=64", "--task", "classify-largest", "--backbone", "tiny", "--size", "64",
            "--batch", "8", "--freeze-epochs", "1", "--lr", "1e-3", "--time", "12s", "--out", run, "--device", "cpu");
        Assert.True(code == 0, error + output);
        Assert.Contains("unfrozen epoch(s) fit", output);
        Assert.Contains("budget", output);
        var config = TrainConfig.Load(run);
        Assert.Equal(12, config.TimeBudgetSeconds);
        Assert.Equal(ValidationSchedule.BudgetedEvery, config.ValidateEvery); // a budget buys epochs rather than early validations
        var rows = File.ReadAllLines(Path.Combine(run, "metrics.csv")).Length - 1;
        Assert.Equal(config.Epochs, rows);   // the plan was carried out to its end
        Assert.True(config.Epochs >= 2, $"{config.Epochs} epochs");
    }
}
