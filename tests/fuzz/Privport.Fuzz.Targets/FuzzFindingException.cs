namespace Privport.Fuzz;

/// <summary>A target's own check failed: the code under test returned, but with a result that breaks its contract.</summary>
public sealed class FuzzFindingException : Exception
{
    public FuzzFindingException(string message)
        : base(message)
    {
    }
}
