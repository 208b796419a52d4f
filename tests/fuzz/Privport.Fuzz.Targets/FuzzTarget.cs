namespace Privport.Fuzz;

/// <summary>
/// One fuzz target: returns normally for every input, valid or not. Any exception it lets out is a finding: the code
/// under test failed in a way its callers do not expect.
/// </summary>
public delegate void FuzzTarget(ReadOnlySpan<byte> input);
