using System.Text.Json.Serialization;
using Spotter.Settings;

namespace Spotter.Models.Ssd;

/// <summary>
/// Every setting of the SSD-style detector, in one place: the anchors, the head, matching, the
/// loss and decoding. model.json and config.json hold it as "detector"; the ones marked
/// <see cref="CliOptionAttribute"/> are <c>spotter train</c> options. Each value is checked when
/// it is set, the combination when the options join a <see cref="ModelSpec"/>.
/// <see cref="ModelFactory"/> turns them into a model. A null anchor setting means the layout's own.
/// </summary>
public sealed record DetectorOptions
{
    [JsonPropertyName("anchors")]
    [CliOption("--anchors", "detect: default (feature maps at strides 8-64) or lesson (4x4, 2x2, 1x1 at 224)")]
    public AnchorLayout Anchors { get; init; }

    [JsonPropertyName("box_coder")]
    [CliOption("--box-coder", "detect: ssd (offsets with variances) or lesson (tanh around the anchor)")]
    public BoxCoderKind BoxCoder { get; init; }

    [JsonPropertyName("anchor_zooms")]
    [CliOption("--anchor-zooms", "detect: anchor zooms at every cell (default 0.7 1 1.4; lesson 0.7 1 1.3)")]
    public IReadOnlyList<double>? AnchorZooms { get; init => field = Check.PositiveList(value, "--anchor-zooms"); }

    [JsonPropertyName("anchor_ratios")]
    [CliOption("--anchor-ratios", "detect: anchor width/height ratios (default 1 0.5 2)")]
    public IReadOnlyList<double>? AnchorRatios { get; init => field = Check.PositiveList(value, "--anchor-ratios"); }

    [JsonPropertyName("anchor_scale")]
    [CliOption("--anchor-scale", "detect: anchor width in grid cells at zoom 1 (default 3; lesson 1)")]
    public double? AnchorScale { get; init => field = value is { } v ? Check.Positive(v, "--anchor-scale") : null; }

    [JsonPropertyName("neck")]
    [CliOption("--neck", "detect: none (each head reads its body stage) or fpn (a feature pyramid: the deep stages' maps upsampled into the finer ones)")]
    public NeckKind Neck { get; init; }

    /// <summary>Channels of each level's head (its conv block).</summary>
    [JsonPropertyName("head_width")]
    [CliOption("--head-width", "detect: channels of the head's conv block on every map")]
    public int HeadWidth { get; init => field = Check.AtLeast(value, 1, "--head-width"); } = 256;

    [JsonPropertyName("head_dropout")]
    public double HeadDropout { get; init => field = Check.Between(value, 0, 0.9, "head dropout"); } = 0.1;

    [JsonPropertyName("matcher")]
    [CliOption("--matcher", "detect: iou (fixed thresholds --positive-iou / --negative-iou) or atss (each box's threshold from the anchors near it)")]
    public AnchorMatchKind Matcher { get; init; }

    /// <summary>An anchor with IoU at least this with a true box learns it; below <see cref="NegativeIou"/> it is background; between, ignored.</summary>
    [JsonPropertyName("positive_iou")]
    [CliOption("--positive-iou", "detect: IoU from which an anchor learns a true box")]
    public double PositiveIou { get; init => field = Check.Between(value, 0.01, 1, "--positive-iou"); } = 0.5;

    [JsonPropertyName("negative_iou")]
    [CliOption("--negative-iou", "detect: IoU below which an anchor is background (between the two: ignored)")]
    public double NegativeIou { get; init => field = Check.Between(value, 0, 1, "--negative-iou"); } = 0.4;

    [JsonPropertyName("focal_alpha")]
    public double FocalAlpha { get; init => field = Check.Between(value, 0, 1, "focal alpha"); } = 0.25;

    [JsonPropertyName("focal_gamma")]
    [CliOption("--focal-gamma", "detect: focal loss focusing (0: plain binary cross-entropy)")]
    public double FocalGamma { get; init => field = Check.Between(value, 0, 10, "--focal-gamma"); } = 2;

    /// <summary>Smooth L1's beta for the box offsets (1/9, as Detectron's RetinaNet).</summary>
    [JsonPropertyName("smooth_l1_beta")]
    public double SmoothL1Beta { get; init => field = Check.Between(value, 0, 10, "smooth L1 beta"); } = 1.0 / 9;

    [JsonPropertyName("box_loss")]
    [CliOption("--box-loss", "detect: smooth-l1 (on the encoded offsets) or giou (1 - generalised IoU of the decoded boxes)")]
    public BoxLossKind BoxLoss { get; init; }

    [JsonPropertyName("class_loss")]
    [CliOption("--class-loss", "detect: focal (a matched anchor's class target is 1) or quality (its target is the IoU of its decoded box)")]
    public ClassLossKind ClassLoss { get; init; }

    /// <summary>The GIoU loss's weight against the focal loss (2, as FCOS and mmdetection's RetinaNet with GIoU use).</summary>
    [JsonPropertyName("giou_weight")]
    public double GiouWeight { get; init => field = Check.Between(value, 0, 100, "GIoU weight"); } = 2;

    /// <summary>Decoding keeps scores above this (low, so mAP sees the whole precision-recall curve).</summary>
    [JsonPropertyName("score_threshold")]
    public double ScoreThreshold { get; init => field = Check.Between(value, 0, 1, "score threshold"); } = 0.05;

    /// <summary>Decoding keeps the best this many (anchor, class) candidates of an image before NMS.</summary>
    [JsonPropertyName("candidates")]
    public int Candidates { get; init => field = Check.AtLeast(value, 1, "candidates"); } = 2000;

    /// <summary>NMS sees at most this many candidates of one class.</summary>
    [JsonPropertyName("nms_top_k")]
    public int NmsTopK { get; init => field = Check.AtLeast(value, 1, "NMS top-k"); } = 400;

    [JsonPropertyName("nms_iou")]
    [CliOption("--nms-iou", "detect: boxes of one class overlapping a better one by more than this are dropped")]
    public double NmsIou { get; init => field = Check.Between(value, 0.01, 1, "--nms-iou"); } = 0.5;

    /// <summary>
    /// Box voting: each box NMS keeps is replaced by the score-weighted mean of every box of its
    /// class (score above the threshold) that overlaps it by at least this IoU, itself included.
    /// Null (0 on the command line): off. A model.json written before voting existed has none.
    /// </summary>
    [JsonPropertyName("box_voting_iou")]
    [CliOption("--box-voting", "detect: refine each kept box as the score-weighted mean of its class's boxes overlapping it by at least this IoU (0: off)")]
    public double? BoxVotingIou
    {
        get;
        init => field = value switch
        {
            null or 0 => null,
            >= 0.01 and <= 1 => value,
            _ => throw new SpotterException($"--box-voting must be 0 (off) or between 0.01 and 1, got {value}"),
        };
    } = DefaultBoxVotingIou;

    /// <summary>Chosen on bccd's validation split (0.5, 0.6 and 0.7 tried; README, "Measured results").</summary>
    public const double DefaultBoxVotingIou = 0.7;

    [JsonPropertyName("max_detections")]
    [CliOption("--max-detections", "detect: at most this many detections per image")]
    public int MaxDetections { get; init => field = Check.AtLeast(value, 1, "--max-detections"); } = 100;

    /// <summary>
    /// A "detector" object of a model.json or config.json written before a setting existed: such
    /// settings get the value that Spotter used then, not today's default, so an old model decodes
    /// and an old run resumes as before. Missing box_voting_iou: off.
    /// </summary>
    public static void FillSettingsOlderThanTheFile(System.Text.Json.Nodes.JsonObject detector)
    {
        if (!detector.ContainsKey("box_voting_iou")) detector["box_voting_iou"] = null;
    }

    [JsonIgnore] public IReadOnlyList<double> Zooms => AnchorZooms ?? (Anchors == AnchorLayout.Lesson ? [0.7, 1.0, 1.3] : [0.7, 1.0, 1.4]);

    [JsonIgnore] public IReadOnlyList<double> Ratios => AnchorRatios ?? [1.0, 0.5, 2.0];

    [JsonIgnore] public double Scale => AnchorScale ?? (Anchors == AnchorLayout.Lesson ? 1 : 3);

    /// <summary>The checks that involve two settings; returns the options.</summary>
    public DetectorOptions Validated()
    {
        if (NegativeIou > PositiveIou)
            throw new SpotterException($"--negative-iou ({NegativeIou}) must not exceed --positive-iou ({PositiveIou})");
        if (Neck == NeckKind.Fpn && Anchors == AnchorLayout.Lesson)
            throw new SpotterException("--neck fpn needs the body's feature maps (--anchors default); the lesson layout predicts from extra blocks only");
        return this;
    }
}
