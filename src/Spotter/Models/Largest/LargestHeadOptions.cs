using System.Text.Json.Serialization;
using Spotter.Settings;

namespace Spotter.Models.Largest;

/// <summary>
/// The settings of the largest-object models' heads and losses (model.json's and config.json's
/// "largest"); the ones marked <see cref="CliOptionAttribute"/> are <c>spotter train</c> options.
/// </summary>
public sealed record LargestHeadOptions
{
    [JsonPropertyName("box_head")]
    [CliOption("--box-head", "locate-largest, largest: cells (every stride-8 cell proposes a box and votes, trained densely) or lesson (flatten -> linear)")]
    public BoxHeadKind BoxHead { get; init; }

    [JsonPropertyName("class_loss_weight")]
    [CliOption("--class-weight", "largest: weight of cross-entropy against the L1 box loss")]
    public double ClassLossWeight { get; init => field = Check.Between(value, 0, 1e6, "--class-weight"); } = 20;

    /// <summary>Multiplies the head's dropout probabilities: 1 as in the lessons (0.25 and 0.5), 0 none.</summary>
    [JsonPropertyName("head_dropout")]
    [CliOption("--head-dropout", "Multiplies the head's dropout (1: the lessons' 0.25/0.5; 0: none)")]
    public double HeadDropout { get; init => field = Check.Between(value, 0, 1.5, "--head-dropout"); } = 1;

    /// <summary>Width of the cells head's convolutions.</summary>
    [JsonPropertyName("cells_width")]
    public int CellsWidth { get; init => field = Check.AtLeast(value, 1, "cells width"); } = 128;
}
