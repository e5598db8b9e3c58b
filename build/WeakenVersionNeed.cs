// MSBuild inline task (RoslynCodeTaskFactory): marks one ELF version-need entry weak.
//
// Why: TorchSharp 0.107.0's libLibTorchSharp.so needs GLIBCXX_3.4.32 (GCC 13's libstdc++) only
// because of `_ZSt21ios_base_library_initv`, a link-time anchor that GCC 13's <iostream> emits
// and that nothing ever calls. Debian 12 ships GLIBCXX_3.4.30, so the loader refuses the whole
// library. Setting VER_FLG_WEAK (2) on that Vernaux entry makes a missing version a warning
// instead of an error. Where the version exists (newer systems) the flag changes nothing.
//
// Safety: the entry is weakened only when every dynamic symbol bound to that version is in the
// allowed list; a future build that really uses GLIBCXX_3.4.32 is left untouched (and warned
// about). The file is rewritten through a temporary file and a rename, so a hard link into the
// NuGet package cache is never written through.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenVersionNeed : Task
{
    private const ushort VerFlagWeak = 2;
    private const uint SectionTypeDynSym = 11;
    private const uint SectionTypeVerNeed = 0x6ffffffe;
    private const uint SectionTypeVerSym = 0x6fffffff;

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string VersionName { get; set; } = "";
    [Required] public string AllowedSymbols { get; set; } = "";

    public override bool Execute()
    {
        var allowed = new HashSet<string>(AllowedSymbols.Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries));
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            try
            {
                var outcome = Patch(path, VersionName, allowed);
                Log.LogMessage(MessageImportance.Low, $"{path}: {outcome}");
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogWarning($"{path}: could not weaken the {VersionName} need ({e.Message}); libtorch may fail to load on older Linux.");
            }
        }
        return !Log.HasLoggedErrors;
    }

    private string Patch(string path, string versionName, HashSet<string> allowed)
    {
        var bytes = File.ReadAllBytes(path);
        var elf = new Elf64(bytes);
        var verNeed = elf.SectionOfType(SectionTypeVerNeed);
        if (verNeed is null) return "no .gnu.version_r, nothing to do";

        var strings = elf.Section((int)verNeed.Value.Link);
        var entryOffset = FindVernaux(elf, verNeed.Value, strings, versionName, out var versionIndex);
        if (entryOffset < 0) return $"does not need {versionName}, nothing to do";

        var users = SymbolsBoundTo(elf, versionIndex);
        var unexpected = users.Where(s => !allowed.Contains(s)).ToList();
        if (unexpected.Count > 0)
        {
            Log.LogWarning($"{path}: {versionName} is needed by {string.Join(", ", unexpected)}; left as is.");
            return "left as is";
        }

        var flags = elf.U16(entryOffset + 4);
        if ((flags & VerFlagWeak) != 0) return "already weak";
        elf.SetU16(entryOffset + 4, (ushort)(flags | VerFlagWeak));

        var temp = path + ".weakening";
        File.WriteAllBytes(temp, bytes);
        File.Replace(temp, path, null); // a rename: never writes through a hard link
        return $"marked {versionName} weak (used only by {string.Join(", ", users)})";
    }

    // Walks Verneed -> Vernaux chains; returns the file offset of the Vernaux whose name matches.
    private static long FindVernaux(Elf64 elf, Elf64.SectionHeader verNeed, Elf64.SectionHeader strings,
        string versionName, out ushort versionIndex)
    {
        versionIndex = 0;
        long need = (long)verNeed.Offset;
        for (var n = 0; n < (int)verNeed.Info; n++)
        {
            var auxCount = elf.U16(need + 2);
            long aux = need + elf.U32(need + 8);
            for (var a = 0; a < auxCount; a++)
            {
                var name = elf.CString((long)strings.Offset + elf.U32(aux + 8));
                if (name == versionName)
                {
                    versionIndex = (ushort)(elf.U16(aux + 6) & 0x7fff);
                    return aux;
                }
                aux += elf.U32(aux + 12);
            }
            need += elf.U32(need + 12);
        }
        return -1;
    }

    private static List<string> SymbolsBoundTo(Elf64 elf, ushort versionIndex)
    {
        var result = new List<string>();
        var dynSym = elf.SectionOfType(SectionTypeDynSym);
        var verSym = elf.SectionOfType(SectionTypeVerSym);
        if (dynSym is null || verSym is null) return result;
        var names = elf.Section((int)dynSym.Value.Link);
        var count = (long)(dynSym.Value.Size / 24);
        for (long i = 0; i < count; i++)
        {
            if ((elf.U16((long)verSym.Value.Offset + 2 * i) & 0x7fff) != versionIndex) continue;
            var nameOffset = elf.U32((long)dynSym.Value.Offset + 24 * i);
            result.Add(elf.CString((long)names.Offset + nameOffset));
        }
        return result;
    }
}

// The few ELF64 little-endian reads the task needs.
public sealed class Elf64
{
    public readonly struct SectionHeader
    {
        public SectionHeader(uint type, ulong offset, ulong size, uint link, uint info)
        { Type = type; Offset = offset; Size = size; Link = link; Info = info; }
        public uint Type { get; }
        public ulong Offset { get; }
        public ulong Size { get; }
        public uint Link { get; }
        public uint Info { get; }
    }

    private readonly byte[] _bytes;
    private readonly List<SectionHeader> _sections = new List<SectionHeader>();

    public Elf64(byte[] bytes)
    {
        _bytes = bytes;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (bytes[4] != 2 || bytes[5] != 1)
            throw new InvalidDataException("not a little-endian 64-bit ELF file");
        var tableOffset = (long)U64(0x28);
        var entrySize = U16(0x3a);
        var count = U16(0x3c);
        for (var i = 0; i < count; i++)
        {
            var h = tableOffset + (long)i * entrySize;
            _sections.Add(new SectionHeader(U32(h + 4), U64(h + 24), U64(h + 32), U32(h + 40), U32(h + 44)));
        }
    }

    public SectionHeader Section(int index) => _sections[index];

    public SectionHeader? SectionOfType(uint type)
    {
        foreach (var s in _sections) if (s.Type == type) return s;
        return null;
    }

    public ushort U16(long at) => BitConverter.ToUInt16(_bytes, checked((int)at));
    public uint U32(long at) => BitConverter.ToUInt32(_bytes, checked((int)at));
    public ulong U64(long at) => BitConverter.ToUInt64(_bytes, checked((int)at));

    public void SetU16(long at, ushort value)
    {
        _bytes[at] = (byte)value;
        _bytes[at + 1] = (byte)(value >> 8);
    }

    public string CString(long at)
    {
        var end = at;
        while (_bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(_bytes, (int)at, (int)(end - at));
    }
}
