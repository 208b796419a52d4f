namespace Privport.Commands;

/// <summary>What <c>privport probe</c> asks of the broker.</summary>
internal enum ProbeMode
{
    Query,
    Open,
    Bind,
}
