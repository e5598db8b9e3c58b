#!/usr/bin/env bash
# Packs Spotter's packages into a local folder feed, then uses them as a newcomer would, in fresh
# folders with a fresh NuGet cache: installs the spotter tool, trains a tiny detector with it and
# exports it to ONNX; runs that model from a console app that references only Spotter.Onnx; and
# loads the trained model from a console app that references the Spotter library (the libtorch
# loader fix and the ImageNet model files must arrive with the package). Exits non-zero on failure.
#   bash build/package-check.sh [WORK_DIR]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
feed="$work/feed"; tools="$work/tools"; export NUGET_PACKAGES="$work/nuget"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props")
step() { echo; echo "== $*"; }

step "pack $version into $feed"
for project in src/Spotter.Core src/Spotter.Onnx src/Spotter src/Spotter.Cli; do
  dotnet pack "$repo/$project" -c Release -o "$feed" | grep -E "Successfully created|error" || true
done
ls -la "$feed"

step "install the spotter tool from the feed into a fresh tool path"
dotnet tool install Spotter.Cli --version "$version" --tool-path "$tools" --add-source "$feed"
"$tools/spotter" info

step "train a tiny detector with the tool and export it"
cd "$work"
"$tools/spotter" train synthetic:count=40,size=96 --task detect --backbone tiny --size 64 --batch 8 --epochs 2 --freeze-epochs 1 --lr 1e-3 --out "$work/run" --device cpu
"$tools/spotter" export "$work/run" --out "$work/model.onnx" --score-threshold 0.001
image=$(ls "${SPOTTER_CACHE:-$HOME/.cache/spotter}"/synthetic/*n40-s96*/JPEGImages/*.png | head -1)

step "a console app with only Spotter.Onnx runs the exported model"
mkdir -p "$work/onnx-app" && cd "$work/onnx-app"
cat > onnx-app.csproj <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable></PropertyGroup>
  <ItemGroup><PackageReference Include="Spotter.Onnx" Version="$version" /></ItemGroup>
</Project>
XML
cp "$repo/samples/OnnxDetect/Program.cs" Program.cs
dotnet restore --source "$feed" --source https://api.nuget.org/v3/index.json
dotnet run --no-restore -- "$work/model.onnx" "$image" --threshold 0 > detections.json
grep -q '"detections"' detections.json && grep -q '"class"' detections.json
if dotnet list package --include-transitive | grep -qi torchsharp; then echo "Spotter.Onnx pulled in TorchSharp"; exit 1; fi
echo "ok: $(grep -c '"class"' detections.json) detections, no TorchSharp in the dependency graph"

step "a console app with the Spotter library loads the trained model and the ImageNet backbone"
mkdir -p "$work/lib-app" && cd "$work/lib-app"
cat > lib-app.csproj <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable></PropertyGroup>
  <ItemGroup><PackageReference Include="Spotter" Version="$version" /></ItemGroup>
</Project>
XML
cat > Program.cs <<'CS'
using var detector = Spotter.Detector.Load(args[0], "cpu");
Console.WriteLine($"{detector.Detect(args[1], threshold: 0).Count} detections from the trained run on TorchSharp");
using var backbone = Spotter.Models.Backbones.BackboneCatalog.Create("resnet18-imagenet");
Console.WriteLine($"resnet18-imagenet loaded: {backbone.StageChannels[^1]} channels");
CS
dotnet restore --source "$feed" --source https://api.nuget.org/v3/index.json
dotnet run --no-restore -- "$work/run" "$image"
readelf -V bin/Debug/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so 2>/dev/null | grep "GLIBCXX_3.4.32" || readelf -V bin/Debug/net10.0/libLibTorchSharp.so | grep "GLIBCXX_3.4.32"

step "sizes"
du -sh "$tools/.store/spotter.cli" "$work/onnx-app/bin/Debug/net10.0" "$work/lib-app/bin/Debug/net10.0" | sed 's/^/  /'
echo; echo "package check passed ($work)"
