namespace Spotter.Data.Formats;

/// <summary>
/// Lists the files under a dataset folder, recursively, so that links cannot multiply or loop:
/// a directory link is followed only into a folder not listed yet (<c>self -&gt; .</c> or two
/// links to one folder are skipped), file links that lead nowhere (broken, or looping on
/// themselves) are skipped, and hidden folders (.git, .cache) are not entered. Whatever is
/// skipped is reported once, with its path.
/// </summary>
public sealed class DatasetFolder
{
    private const int MaxDepth = 32;

    private DatasetFolder(string root) => Root = root;

    /// <summary>The folder as given; listed paths start with it, as the user wrote it.</summary>
    public string Root { get; }

    /// <summary>Every file, in a stable order (ordinal by path within each folder, folders depth first).</summary>
    public IReadOnlyList<string> Files { get; private set; } = [];

    /// <summary>What was skipped and why: (path, message).</summary>
    public IReadOnlyList<(string Path, string Message)> Skipped { get; private set; } = [];

    public static DatasetFolder List(string root)
    {
        var folder = new DatasetFolder(root);
        folder.Walk();
        return folder;
    }

    /// <summary>The files whose extension is one of <paramref name="extensions"/> (case-insensitive).</summary>
    public IEnumerable<string> WithExtension(params string[] extensions) =>
        Files.Where(f => extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)));

    /// <summary>Reports the skipped entries through a dataset builder.</summary>
    internal void ReportSkipped(DatasetBuilder builder)
    {
        foreach (var (path, message) in Skipped) builder.Warn(path, message);
    }

    private void Walk()
    {
        var files = new List<string>();
        var skipped = new List<(string, string)>();
        // A folder's identity is its path with the links on the way resolved, so two routes to one folder meet.
        var rootIdentity = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Root));
        var visited = new HashSet<string>(StringComparer.Ordinal) { rootIdentity };
        var pending = new Stack<(string Path, string Identity, int Depth)>();
        pending.Push((Root, rootIdentity, 0));
        while (pending.Count > 0)
        {
            var (folder, identity, depth) = pending.Pop();
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(folder).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                skipped.Add((folder, $"folder cannot be read ({e.Message}); skipped"));
                continue;
            }
            var subfolders = new List<(string, string, int)>();
            foreach (var entry in entries)
            {
                var path = Path.Combine(folder, entry.Name);
                if (entry is DirectoryInfo directory)
                {
                    if (directory.Name.StartsWith('.')) continue;
                    var childIdentity = directory.LinkTarget is null ? Path.Combine(identity, directory.Name) : Resolve(directory);
                    if (childIdentity is null) skipped.Add((path, "directory link leads nowhere; skipped"));
                    else if (!visited.Add(childIdentity)) skipped.Add((path, $"directory link into {childIdentity}, a folder already read; skipped"));
                    else if (depth + 1 > MaxDepth) skipped.Add((path, $"more than {MaxDepth} folders deep; skipped"));
                    else subfolders.Add((path, childIdentity, depth + 1));
                }
                else if (entry.LinkTarget is not null && !LeadsToFile(entry))
                {
                    skipped.Add((path, $"file link to '{entry.LinkTarget}' leads nowhere (broken or looping); skipped"));
                }
                else
                {
                    files.Add(path);
                }
            }
            for (var i = subfolders.Count - 1; i >= 0; i--) pending.Push(subfolders[i]);
        }
        Files = files;
        Skipped = skipped;
    }

    // File.Exists is true for a broken link (.NET falls back to the link itself), so resolve it.
    private static bool LeadsToFile(FileSystemInfo link)
    {
        try
        {
            return link.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true };
        }
        catch (IOException)
        {
            return false; // a loop of links
        }
    }

    private static string? Resolve(DirectoryInfo link)
    {
        try
        {
            var target = link.ResolveLinkTarget(returnFinalTarget: true);
            return target is { Exists: true } ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(target.FullName)) : null;
        }
        catch (IOException)
        {
            return null; // a loop of links
        }
    }
}
