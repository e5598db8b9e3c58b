using System.Text.Json;
using Spotter.Runtime;
using Spotter.Data.Synthetic;
using Spotter.Training;
using Spotter.Models.Ssd;

namespace Spotter.Tests.Cli;

/// <summary>The train -> eval -> detect path as a user runs it, on a small synthetic VOC folder and the tiny backbone.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-cli-train-").FullName;
    private readonly string _dataset;

    public TrainCommandTests()
    {
        var source = SyntheticDataset.Load(new SyntheticOptions(Count: 24, Size: 96, Seed: 21), Path.Combine(_root, "cache"));
        _dataset = Path.GetDirectoryName(Path.GetDirectoryName(source.Images[0].Path))!; // the rendered VOC folder
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (int Code, string Output, string Error) Run(params string[] args) => CliRunner.Run(args);

    /// <summary>A refused <c>train</c>: exit 1, one line naming the problem, and no run folder left behind.</summary>
    private static void AssertTrainRefused(string expected, string runFolder, params string[] arguments)
    {
        var (code, _, error) = Run(["train", .. arguments, "--out", runFolder]);
        Assert.Equal((1, 1), (code, error.Trim().Split('\n').Length));
        Assert.Contains(expected, error);
        Assert.False(Directory.Exists(runFolder));
    }

    private string Train(string task, string name, params string[] extra) => TrainAndSay(task, name, extra).Run;

    /// <summary>A small successful run on the tiny backbone: its folder and what it printed.</summary>
    private (string Run, string Output) TrainAndSay(string task, string name, params string[] extra)
    {
        var run = Path.Combine(_root, name);
        var (code, output, error) = Run(["train", _dataset, "--task", task, "--backbone", "tiny", "--size", "64", "--batch", "8",
            "--epochs", "2", "--freeze-epochs", "1", "--out", run, "--device", "cpu", .. extra]);
        Assert.True(code == 0, error + output);
        return (run, output);
    }

    [Fact]
    public void Sliced_training_records_its_tile_and_the_model_then_runs_tiled_unless_told_not_to()
    {
        var source = SyntheticDataset.Load(new SyntheticOptions(Count: 8, Size: 320, Seed: 9, SmallObjects: true), Path.Combine(_root, "cache"));
        var dataset = Path.GetDirectoryName(Path.GetDirectoryName(source.Images[0].Path))!;
        var run = Path.Combine(_root, "sliced");

        var (code, output, error) = Run("train", dataset, "--task", "detect", "--backbone", "tiny", "--size", "64", "--batch", "4",
            "--epochs", "1", "--freeze-epochs", "0", "--lr", "1e-3", "--tile", "auto", "--out", run, "--device", "cpu");

        Assert.True(code == 0, error + output);
        Assert.Contains("Sliced training: 64 px tiles", output + error);
        Assert.Equal(64, Spotter.Models.ModelSpec.Load(run).Spec.Tile);
        Assert.Equal(64, TrainConfig.Load(run).Tile);
        var image = source.Images[0].Path;
        (code, _, error) = Run("detect", run, image, "--out", Path.Combine(_root, "tiled"), "--device", "cpu");
        Assert.True(code == 0, error);
        Assert.Contains("trained on 64 px tiles, so large images run tiled", error);
        (code, _, error) = Run("detect", run, image, "--out", Path.Combine(_root, "whole"), "--device", "cpu", "--tile", "none");
        Assert.True(code == 0, error);
        Assert.DoesNotContain("tiles", error);

        AssertTrainRefused("--tile is for --task detect", Path.Combine(_root, "no"), dataset, "--task", "largest", "--backbone", "tiny", "--size", "64", "--tile", "auto");
    }

    [Fact]
    public void Background_images_train_without_objects_alongside_a_zooming_mosaic_pasting_detector_and_a_bad_folder_says_so()
    {
        var negatives = Directory.CreateDirectory(Path.Combine(_root, "negatives")).FullName;
        for (var i = 0; i < 3; i++) Spotter.Tests.Data.Fixtures.WriteImage(Path.Combine(negatives, $"bg{i}.jpg"), 120, 90);
        File.WriteAllText(Path.Combine(negatives, "broken.jpg"), "not a picture");
        var run = Path.Combine(_root, "negatives-run");

        var (code, output, error) = Run("train", _dataset, "--task", "detect", "--backbone", "tiny", "--size", "64", "--batch", "8",
            "--epochs", "2", "--freeze-epochs", "0", "--lr", "1e-3", "--zoom", "1.5", "--mosaic", "0.5", "--mosaic-scale", "1", "--copy-paste", "0.5", "--negatives", negatives, "--out", run, "--device", "cpu");

        Assert.True(code == 0, error + output);
        Assert.Contains($"{negatives}: 3 background image(s) train alongside", output + error);
        Assert.Contains("1 image(s) cannot be read", output + error);
        Assert.Contains("Mosaics in 50 % of the training views, of four images each at 100 % of the input size, none in the last 15 % of the epochs", output);
        Assert.Contains("Pastes: in 50 % of the training views an object from another image beside one of the view's, where one fits, none in the last 15 % of the epochs", output);
        var config = TrainConfig.Load(run);
        Assert.Equal((negatives, 1.5, 0.5, 1.0, 0.5), (config.Negatives, config.Zoom, config.Mosaic, config.MosaicScale, config.CopyPaste));

        var missing = Path.Combine(_root, "no-such-folder");
        (code, _, error) = Run("train", _dataset, "--task", "detect", "--backbone", "tiny", "--size", "64", "--negatives", missing, "--out", Path.Combine(_root, "n1"), "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Equal($"spotter: {missing}: no such file or folder", error.Trim());
        Assert.False(Directory.Exists(Path.Combine(_root, "n1")));
        AssertTrainRefused("--negatives is for --task detect", Path.Combine(_root, "n2"), _dataset, "--task", "largest", "--backbone", "tiny", "--size", "64", "--negatives", negatives, "--device", "cpu");
        AssertTrainRefused("--mosaic-scale sizes a mosaic's images; give --mosaic P too", Path.Combine(_root, "n3"), _dataset, "--task", "detect", "--backbone", "tiny", "--size", "64", "--mosaic-scale", "1", "--device", "cpu");
    }

    [Fact]
    public void With_ema_the_saved_model_is_the_moving_average_of_its_best_epoch()
    {
        var run = Train("detect", "ema", "--lr", "1e-3", "--ema", "1");

        Assert.Equal(1, TrainConfig.Load(run).EmaEpochs);
        var checkpoints = Path.Combine(run, "checkpoints");
        var state = Checkpoint.ReadState(checkpoints)!;
        Assert.Equal(2, state.History.Count);
        var best = state.History.First(r => r.Metrics["map50"] == state.Best).Epoch; // the epoch the run kept
        var model = File.ReadAllBytes(Path.Combine(run, "model.bin"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(checkpoints, $"average-e{best}.bin")), model);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(checkpoints, $"model-e{best}.bin")), model); // not the last step's weights

        AssertTrainRefused("--ema", Path.Combine(_root, "bad-ema"), _dataset, "--task", "detect", "--ema", "-1");
    }

    [Fact]
    public void Validate_every_leaves_early_epochs_unvalidated_and_says_so_in_every_record()
    {
        var run = Path.Combine(_root, "sparse");

        // 1 frozen epoch, then 7 unfrozen: validated are the first, every third, the last and the closing third (epochs 4-6 of 0-6).
        var (code, output, error) = Run("train", _dataset, "--task", "classify-largest", "--backbone", "tiny", "--size", "64", "--batch", "8",
            "--epochs", "8", "--freeze-epochs", "1", "--lr", "1e-3", "--validate-every", "3", "--out", run, "--device", "cpu");

        Assert.True(code == 0, error + output);
        Assert.Equal(3, TrainConfig.Load(run).ValidateEvery);
        Assert.Contains("Validation every 3 epochs", output);
        var csv = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        var accuracy = Array.IndexOf(csv[0].Split(','), "accuracy");
        var unvalidated = csv.Skip(1).Select(l => l.Split(',')).Where(r => r[accuracy] == "").Select(r => int.Parse(r[0])).ToArray();
        Assert.Equal([3, 5], unvalidated);
        Assert.Matches(@"(?m)^\s+3\s+unfrozen\s+\S+\s+-\s+-\s", output); // the table's row, dashes for its metrics
        var validated = csv.Skip(1).Select(l => l.Split(',')[accuracy]).Where(v => v != "").Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(validated.Max(), Checkpoint.ReadState(Path.Combine(run, "checkpoints"))!.Best!.Value, 5); // the best among the validated epochs
        var report = File.ReadAllText(Path.Combine(run, "report.html"));
        Assert.Matches("<td>3</td><td>unfrozen</td><td>[^<]+</td><td>-</td>", report); // its per-epoch table
        Assert.Contains("ended without a validation pass", report);

        AssertTrainRefused("--validate-every must be at least 1", Path.Combine(_root, "never"), _dataset, "--task", "classify-largest", "--validate-every", "0");
    }

    [Fact]
    public void Frozen_norm_is_said_recorded_and_checked()
    {
        var (run, output) = TrainAndSay("detect", "frozen-norm", "--lr", "1e-3", "--frozen-norm", "all");

        Assert.Equal(FrozenNorm.All, TrainConfig.Load(run).FrozenNorm); // so --resume trains on as it began
        Assert.Contains("--frozen-norm all", output);

        AssertTrainRefused("'head' not recognized", Path.Combine(_root, "no-norm"), _dataset, "--task", "detect", "--frozen-norm", "head");
    }

    [Fact]
    public void A_detector_given_no_size_takes_one_from_its_data_and_saves_it()
    {
        var run = Path.Combine(_root, "auto-size");

        var (code, output, error) = Run("train", _dataset, "--task", "detect", "--backbone", "tiny", "--batch", "8",
            "--epochs", "1", "--freeze-epochs", "0", "--lr", "1e-3", "--out", run, "--device", "cpu");

        Assert.True(code == 0, error + output);
        var config = TrainConfig.Load(run);
        Assert.Contains($"--size {config.Size} from the data", output + error);
        Assert.Contains(config.Size, Spotter.Reports.AnchorCoverage.SizeChoices);
        Assert.False(config.SizeFromData); // chosen once: a resumed run keeps it
        Assert.Equal(config.Size, Spotter.Models.ModelSpec.Load(run).Spec.InputSize);
    }

    [Fact]
    public void Train_writes_the_run_folder_and_eval_and_detect_use_it()
    {
        var run = Train("largest", "run", "--lr", "1e-3");
        foreach (var file in new[] { "config.json", "metrics.csv", "model.bin", "model.json", "losses.png", "samples.png", "checkpoints/state.json" })
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} missing");
        Assert.False(File.Exists(Path.Combine(run, "lr_find.png")), "no LR finder when --lr is given");
        Assert.Equal(3, File.ReadAllLines(Path.Combine(run, "metrics.csv")).Length); // header + 2 epochs

        var (code, output, evalError) = Run("eval", run, _dataset, "--split", "test", "--json", "--device", "cpu");
        Assert.True(code == 0, evalError);
        using (var json = JsonDocument.Parse(output))
        {
            var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
            Assert.Superset(new HashSet<string> { "accuracy", "l1", "mean_iou" }, keys);
            Assert.InRange(json.RootElement.GetProperty("mean_iou").GetDouble(), 0, 1);
        }

        var images = Path.Combine(_dataset, "JPEGImages");
        var detections = Path.Combine(_root, "detections");
        (code, _, var error) = Run("detect", run, Path.Combine(images, "synthetic_00001.png"), Path.Combine(images, "synthetic_0001*.png"), "--out", detections, "--device", "cpu");
        Assert.True(code == 0, error);
        using var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(detections, "detections.json")));
        var entries = result.RootElement.EnumerateArray().ToList();
        Assert.Equal(11, entries.Count); // one file plus the ten that match the glob
        var first = entries[0];
        Assert.Equal(96, first.GetProperty("width").GetInt32());
        var detection = Assert.Single(first.GetProperty("detections").EnumerateArray());
        Assert.Equal(4, detection.GetProperty("box").GetArrayLength());
        Assert.True(File.Exists(Path.Combine(detections, "synthetic_00001.png")));
    }

    [Fact]
    public void Split_list_files_choose_the_images_to_train_validate_and_evaluate_on()
    {
        var names = Enumerable.Range(0, 24).Select(i => $"synthetic_{i:00000}").ToArray();
        var trainList = Path.Combine(_root, "train_labels.csv"); // TensorFlow CSV: one row per object
        File.WriteAllLines(trainList, ["filename,class", .. names[..16].SelectMany(n => new[] { $"{n}.png,shape", $"{n}.png,shape" })]);
        var heldOut = Path.Combine(_root, "held.txt");
        File.WriteAllLines(heldOut, names[16..]);

        var run = Train("largest", "listed", "--lr", "1e-3", "--train-split", trainList, "--valid-split", heldOut);
        var config = TrainConfig.Load(run);
        Assert.Equal((trainList, heldOut), (config.TrainSplit, config.ValidSplit));
        var (code, output, error) = Run("eval", run, _dataset, "--split", heldOut, "--json", "--device", "cpu");
        Assert.True(code == 0, error);
        using (var json = JsonDocument.Parse(output)) Assert.Equal(8, json.RootElement.GetProperty("images").GetInt32());
        Assert.DoesNotContain("training split", error);
        (code, _, error) = Run("eval", run, _dataset, "--split", trainList, "--json", "--device", "cpu");
        Assert.Equal(0, code); // scoring training images can be meant, but is not a held-out number: said once
        Assert.Contains($"warning: 16 of the 16 images of '{trainList}' are in the run's training split", error);

        // A list that shares images with the validation split, and an entry that is no image: one line each, no folder.
        var refused = Path.Combine(_root, "refused");
        (code, _, error) = Run("train", _dataset, "--task", "largest", "--backbone", "tiny", "--train-split", trainList, "--valid-split", trainList, "--out", refused, "--device", "cpu");
        Assert.Equal((1, 1), (code, error.Trim().Split('\n').Length));
        Assert.Contains("16 of the 16 validation images are also training images", error);
        File.AppendAllLines(heldOut, ["synthetic_99999"]);
        (code, _, error) = Run("train", _dataset, "--task", "largest", "--backbone", "tiny", "--train-split", trainList, "--valid-split", heldOut, "--out", refused, "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains($"{heldOut}:9: 'synthetic_99999' is not an image", error);
        Assert.False(Directory.Exists(refused));
    }

    [Fact]
    public void An_interrupted_run_resumes_from_its_last_epoch_and_an_existing_run_is_not_overwritten()
    {
        var run = Path.Combine(_root, "resumable");
        var config = new TrainConfig { Dataset = _dataset, Task = ModelTask.ClassifyLargest, Backbone = "tiny", Size = 64, Batch = 8, Epochs = 2, FreezeEpochs = 1, Device = "cpu" };
        using (var stop = new CancellationTokenSource())
            Assert.Throws<OperationCanceledException>(() => Trainer.Train(config, run, new CancelAfterFirstEpoch(stop), cancel: stop.Token));
        Assert.True(File.Exists(Path.Combine(run, "lr_find.png")), "the LR finder chose the rate and plotted it");
        Assert.Equal(2, File.ReadAllLines(Path.Combine(run, "metrics.csv")).Length); // header + epoch 1
        Assert.Equal(1, Checkpoint.ReadState(Path.Combine(run, "checkpoints"))!.EpochsDone);

        var (again, _, error) = Run("train", _dataset, "--task", "classify-largest", "--backbone", "tiny", "--out", run);
        Assert.Equal(1, again);
        Assert.Contains("already holds a run", error);

        var (code, output, resumeError) = Run("train", "--resume", run);
        Assert.True(code == 0, resumeError);
        Assert.Contains("Run folder", output);
        Assert.DoesNotContain("Phase 1", output); // the frozen epoch is not done again
        var rows = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        Assert.Equal(3, rows.Length);
        Assert.StartsWith("1,frozen,", rows[1]);
        Assert.StartsWith("2,unfrozen,", rows[2]);
        Assert.Equal(2, Checkpoint.ReadState(Path.Combine(run, "checkpoints"))!.EpochsDone);
    }

    [Fact]
    public void A_damaged_newest_checkpoint_falls_back_to_the_one_before_and_two_damaged_ones_say_so()
    {
        var run = Train("classify-largest", "damaged", "--lr", "1e-3");
        var checkpoints = Path.Combine(run, "checkpoints");
        Assert.True(File.Exists(Path.Combine(checkpoints, "model-e1.bin")), "the epoch before the newest is kept");
        var config = Path.Combine(run, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"epochs\": 2", "\"epochs\": 3"));
        Truncate(Path.Combine(checkpoints, "model-e2.bin"));

        var (code, output, error) = Run("train", "--resume", run);

        Assert.True(code == 0, error);
        Assert.Contains("model-e2.bin: the checkpoint is damaged", output);
        Assert.Contains("resumed from the checkpoint of epoch 1 instead", output);
        Assert.Equal(3, Checkpoint.ReadState(checkpoints)!.EpochsDone);

        foreach (var file in Directory.EnumerateFiles(checkpoints, "model-e*.bin")) Truncate(file);
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"epochs\": 3", "\"epochs\": 4"));
        var (failed, _, failure) = Run("train", "--resume", run);
        Assert.Equal(1, failed);
        Assert.Single(failure.Trim().Split('\n'));
        Assert.Contains("the checkpoint is damaged", failure);
        Assert.Contains("cannot be resumed", failure);
    }

    private static void Truncate(string path)
    {
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 3)]);
    }

    [Fact]
    public void A_run_stopped_in_its_first_epoch_resumes_from_the_start()
    {
        var run = Path.Combine(_root, "early");
        var config = new TrainConfig { Dataset = _dataset, Task = ModelTask.ClassifyLargest, Backbone = "tiny", Size = 64, Batch = 8, Epochs = 1, FreezeEpochs = 0, LearningRate = 1e-3, Device = "cpu" };
        using (var stop = new CancellationTokenSource())
            Assert.Throws<OperationCanceledException>(() => Trainer.Train(config, run, new CancelAfterFirstBatch(stop), cancel: stop.Token));
        Assert.False(Checkpoint.Exists(Path.Combine(run, "checkpoints")));

        var (code, output, error) = Run("train", "--resume", run);

        Assert.True(code == 0, error);
        Assert.Contains("no finished epoch to resume from; starting the run from the beginning", output);
        Assert.Equal(1, Checkpoint.ReadState(Path.Combine(run, "checkpoints"))!.EpochsDone);
    }

    [Fact]
    public void A_run_that_fails_before_its_first_epoch_leaves_no_folder()
    {
        var broken = Path.Combine(_root, "unreadable");
        foreach (var folder in new[] { "Annotations", "JPEGImages" })
            foreach (var file in Directory.EnumerateFiles(Path.Combine(_dataset, folder)))
            {
                Directory.CreateDirectory(Path.Combine(broken, folder));
                if (folder == "Annotations") File.Copy(file, Path.Combine(broken, folder, Path.GetFileName(file)));
                else File.WriteAllBytes(Path.Combine(broken, folder, Path.GetFileName(file)), []); // every image empty
            }
        var run = Path.Combine(_root, "never");

        var (code, output, error) = Run("train", broken, "--task", "largest", "--backbone", "tiny", "--size", "64", "--out", run, "--device", "cpu", "--lr", "1e-3");

        Assert.Equal(1, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("no usable images to train on", error);
        Assert.Contains("cannot be read, e.g.", error);
        Assert.False(Directory.Exists(run));
    }

    /// <summary>Stops the run, as Ctrl-C would, after its first batch.</summary>
    private sealed class CancelAfterFirstBatch(CancellationTokenSource stop) : ITrainingReporter
    {
        public void Message(string text) { }

        public void AfterBatch(Learner learner, BatchProgress progress) => stop.Cancel();
    }

    /// <summary>Stops the run, as Ctrl-C would, once its first epoch is done.</summary>
    private sealed class CancelAfterFirstEpoch(CancellationTokenSource stop) : ITrainingReporter
    {
        public void Message(string text) { }

        public void AfterEpoch(Learner learner, EpochRecord record) => stop.Cancel();
    }

    [Theory]
    [InlineData("--batch", "1")]
    [InlineData("--task", "segment")]
    [InlineData("--size", "100")]
    [InlineData("--size", "48")]
    [InlineData("--backbone", "vgg16")]
    [InlineData("--box-head", "pyramid")]
    [InlineData("--anchors", "pyramid")]
    [InlineData("--anchor-scale", "0")]
    [InlineData("--anchor-zooms", "x")]
    [InlineData("--head-width", "0")]
    [InlineData("--negative-iou", "0.7")]
    [InlineData("--schedule", "linear")]
    [InlineData("--precision", "fp16")]
    [InlineData("--zoom", "0.5")]
    [InlineData("--box-voting", "1.5")]
    [InlineData("--box-loss", "iou")]
    [InlineData("--class-loss", "varifocal")]
    [InlineData("--neck", "bifpn")]
    [InlineData("--matcher", "hungarian")]
    [InlineData("--color-jitter", "2")]
    [InlineData("--mosaic", "1.5")]
    [InlineData("--mosaic", "0.5")]
    [InlineData("--mosaic-scale", "0.1")]
    [InlineData("--mosaic-scale", "1")]
    [InlineData("--copy-paste", "-0.1")]
    [InlineData("--copy-paste", "0.5")]
    [InlineData("--lr-ratio", "0.5")]
    [InlineData("--keep-frozen", "2")]
    public void Bad_training_options_give_one_line_and_exit_one(string option, string value)
    {
        var args = new List<string> { "train", _dataset, "--task", "largest", "--backbone", "tiny", "--size", "64", "--out", Path.Combine(_root, "bad"), "--device", "cpu" };
        var at = args.IndexOf(option);
        if (at < 0) args.AddRange([option, value]);
        else args[at + 1] = value;
        var (code, _, error) = Run([.. args]);
        Assert.Equal(1, code);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("--lr", "as a number")]
    [InlineData("--zoom", "as a number")]
    [InlineData("--batch", "as a whole number")]
    public void A_value_that_is_not_a_number_is_named_without_dotnet_type_names(string option, string expected)
    {
        var (code, _, error) = Run(["train", _dataset, "--task", "largest", "--out", Path.Combine(_root, "nan"), option, "x"]);
        Assert.Equal(1, code);
        Assert.Equal($"spotter: Cannot parse argument 'x' for option '{option}' {expected}. (see 'spotter --help')", error.Trim());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Keep_frozen_leaves_the_first_layer_group_as_the_frozen_epoch_left_it(int keepFrozen)
    {
        var run = Train("detect", $"kept{keepFrozen}", "--lr", "1e-2", "--keep-frozen", $"{keepFrozen}");
        Assert.Equal(keepFrozen, TrainConfig.Load(run).KeepFrozen);
        // The checkpoints of epoch 1 (body frozen) and epoch 2 (the second phase), compared group by group.
        var spec = Spotter.Models.ModelSpec.Load(run).Spec;
        using var scope = TorchSharp.torch.NewDisposeScope(); // the comparisons' tensors
        using var afterFrozen = Spotter.Models.ModelFactory.Create(spec);
        using var afterSecond = Spotter.Models.ModelFactory.Create(spec);
        afterFrozen.Module.load(Path.Combine(run, "checkpoints", "model-e1.bin"));
        afterSecond.Module.load(Path.Combine(run, "checkpoints", "model-e2.bin"));
        bool Unchanged(int group) => afterFrozen.LayerGroups[group].Zip(afterSecond.LayerGroups[group]).All(pair =>
        {
            var after = pair.Second.state_dict(); // weights and batch-norm statistics
            return pair.First.state_dict().All(kv => kv.Value.equal(after[kv.Key]).all().item<bool>());
        });
        Assert.Equal(keepFrozen == 1, Unchanged(0));
        Assert.False(Unchanged(1));
    }

    [Fact]
    public void Detector_settings_given_on_the_command_line_reach_the_model()
    {
        string[] settings = ["--lr", "1e-3", "--lr-ratio", "2", "--anchor-zooms", "0.5", "1", "--head-width", "32", "--nms-iou", "0.4", "--box-voting", "0", "--box-loss", "giou", "--class-loss", "quality", "--neck", "fpn", "--matcher", "atss", "--precision", "bf16"];
        var run = Train("detect", "detector", settings);
        var spec = Spotter.Models.ModelSpec.Load(run).Spec;
        Assert.Equal([0.5, 1.0], spec.DetectorSettings.Zooms);
        Assert.Equal((null, BoxLossKind.Giou), (spec.DetectorSettings.BoxVotingIou, TrainConfig.Load(run).Detector.BoxLoss)); // 0: voting off
        Assert.Equal(ClassLossKind.Quality, TrainConfig.Load(run).Detector.ClassLoss);
        Assert.Equal((NeckKind.Fpn, AnchorMatchKind.Atss), (spec.DetectorSettings.Neck, spec.DetectorSettings.Matcher));
        Assert.Equal(2, TrainConfig.Load(run).LrRatio);
        Assert.Equal((32, 0.4), (spec.DetectorSettings.HeadWidth, spec.DetectorSettings.NmsIou));
        Assert.Equal([0.5, 1.0], TrainConfig.Load(run).Detector.AnchorZooms);
        Assert.Equal(EnumNames.Parse<Precision>(settings[^1], "--precision"), TrainConfig.Load(run).Precision); // recorded in config.json
        Assert.True(File.Exists(Path.Combine(run, "pr_curves.png")));
    }

    [Fact]
    public void Lr_find_writes_its_plot()
    {
        var plot = Path.Combine(_root, "lr.png");
        var (code, output, error) = Run("lr-find", _dataset, "--task", "classify-largest", "--backbone", "tiny", "--size", "64", "--batch", "4", "--out", plot, "--device", "cpu");
        Assert.True(code == 0, error);
        Assert.Contains("Lowest loss (centred average) at lr", output);
        Assert.Equal("png", Spotter.Data.ImageFile.Probe(plot).Format);
    }

    [Fact]
    public void Eval_of_a_folder_without_a_model_says_so()
    {
        var (code, _, error) = Run("eval", _root, _dataset);
        Assert.Equal(1, code);
        Assert.Contains("model.json", error);
    }
}

public sealed class DemoCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-cli-demo-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_demo_trains_evaluates_and_detects_end_to_end()
    {
        // The real demo uses resnet18-imagenet and 1,000 scenes; here the same path runs small.
        var (code, output, error) = CliRunner.Run("demo", "--out", _root, "--count", "40", "--epochs", "2", "--size", "128", "--backbone", "tiny", "--device", "cpu");
        Assert.True(code == 0, error + output);
        Assert.Contains("mAP@0.5", output);
        foreach (var file in new[] { "run/model.json", "run/eval.json", "run/pr_curves.png", "run/samples.png", "detections/detections.json" })
            Assert.True(File.Exists(Path.Combine(_root, file)), $"{file} missing");
        using var eval = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_root, "run/eval.json")));
        foreach (var key in new[] { "map50", "map50_voc07", "map50_95", "per_class" })
            Assert.True(eval.RootElement.TryGetProperty(key, out _), $"eval.json lacks {key}");

        // The demo's test score is what 'spotter eval' says of the same run on the same split.
        var (evalCode, json, evalError) = CliRunner.Run("eval", Path.Combine(_root, "run"), "synthetic:count=40", "--split", "test", "--json", "--device", "cpu");
        Assert.True(evalCode == 0, evalError);
        using var measured = System.Text.Json.JsonDocument.Parse(json);
        Assert.Contains($"mAP@0.5 {measured.RootElement.GetProperty("map50").GetDouble():0.####} ", output);
    }
}
