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

    [Fact]
    public void The_epochs_that_fit_leave_room_for_the_end_of_the_run()
    {
        // 600 s left; the end takes 1.5 x 10 + 3 = 18 s; an epoch is 20 steps of 2 s plus 10 s of validation = 50 s.
        Assert.Equal(11, TimeBudget.EpochsThatFit(600, 2, 20, 10, TimeBudget.FinishSeconds(10)));
        Assert.Equal(18, TimeBudget.FinishSeconds(10));
        Assert.Equal(1, TimeBudget.EpochsThatFit(10, 2, 20, 10, 25)); // never fewer than one
    }

    [Fact]
    public void Measured_epochs_revise_the_plan()
    {
        // Planned 20; after 2 epochs of 50 s each, 500 s are left and the end takes 20 s: 9 more fit.
        Assert.Equal(11, TimeBudget.Revise(planned: 20, done: 2, secondsPerEpoch: 50, remainingSeconds: 500, finishSeconds: 20));
        // Faster than planned: the plan grows.
        Assert.Equal(32, TimeBudget.Revise(20, 2, 16, 500, 20));
        // Over budget already: one more epoch, so the schedule still ends.
        Assert.Equal(3, TimeBudget.Revise(20, 2, 50, 10, 20));
        // Done: the plan stands.
        Assert.Equal(4, TimeBudget.Revise(4, 4, 50, 1000, 20));
        Assert.Equal(5, TimeBudget.Revise(4, 3, 50, 120, 20)); // at three quarters it still moves freely: 3 + floor(100 / 50)
    }

    [Fact]
    public void In_the_last_quarter_the_plan_moves_one_epoch_at_a_time()
    {
        // 16 of 20 done; 10 epochs of 50 s would fit, but the plan grows by one.
        Assert.Equal(21, TimeBudget.Revise(planned: 20, done: 16, secondsPerEpoch: 50, remainingSeconds: 520, finishSeconds: 20));
        // Over budget: it shrinks by one.
        Assert.Equal(19, TimeBudget.Revise(20, 16, 50, 10, 20));
        // On plan, or one epoch off (noise): unchanged (16 + floor(200 / 50) = 20, 16 + floor(250 / 50) = 21).
        Assert.Equal(20, TimeBudget.Revise(20, 16, 50, 220, 20));
        Assert.Equal(20, TimeBudget.Revise(20, 16, 50, 270, 20));
        // Over budget before the last epoch: it still runs, so the schedule ends.
        Assert.Equal(19, TimeBudget.Revise(19, 18, 50, 0, 20));
    }
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
        var rows = File.ReadAllLines(Path.Combine(run, "metrics.csv")).Length - 1;
        Assert.Equal(config.Epochs, rows);   // the plan was carried out to its end
        Assert.True(config.Epochs >= 2, $"{config.Epochs} epochs");
    }
}
