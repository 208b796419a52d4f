namespace Privport.Kernel;

/// <summary>Kernel grants could not be set up or changed; the message says what, where, and what to do instead.</summary>
internal sealed class KernelGrantException : Exception
{
    public KernelGrantException(string message)
        : base(message)
    {
    }

    public KernelGrantException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
