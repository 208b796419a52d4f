namespace Privport.Redirect;

/// <summary>nft refused or failed; the message carries its own words and what to do.</summary>
internal sealed class RedirectException(string message) : Exception(message);
