namespace Privport.Fuzz;

/// <summary>The fuzz targets by name; the corpus of each lives in <c>tests/fuzz/corpus/NAME</c>.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<string> Names { get; } = ["wire", "policy", "doctor"];

    public static FuzzTarget? Find(string name) => name switch
    {
        "wire" => WireTarget.Run,
        "policy" => PolicyTarget.Run,
        "doctor" => DoctorTarget.Run,
        _ => null,
    };
}
