using Privport.Fuzz;
using SharpFuzz;

// privport-fuzz TARGET          run under afl-fuzz (inputs from AFL's shared memory / stdin)
// privport-fuzz TARGET FILE...  run each file once, as the corpus replay does, to reproduce a finding
if (args.Length == 0 || FuzzTargets.Find(args[0]) is not { } target)
{
    Console.Error.WriteLine($"usage: privport-fuzz {string.Join('|', FuzzTargets.Names)} [FILE...]");
    return 64;
}

if (args.Length > 1)
{
    foreach (string file in args[1..])
    {
        target(File.ReadAllBytes(file));
        Console.WriteLine($"{file}: ok");
    }

    return 0;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
});
return 0;
