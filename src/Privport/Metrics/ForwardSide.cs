namespace Privport.Metrics;

/// <summary>Which connection of a forwarded pair: the accepted client's or the one to the target.</summary>
internal enum ForwardSide
{
    Client,
    Target,
}
