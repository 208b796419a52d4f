namespace Privport.Policy;

/// <summary>
/// The name service (NSS: files, sssd, LDAP, ...) could not answer a lookup. Unlike an unknown name, which is a
/// mistake in the policy, this is an outage that a later attempt may not meet: at boot sssd or the LDAP server may
/// not be up yet.
/// </summary>
internal sealed class NameServiceUnavailableException : IOException
{
    public NameServiceUnavailableException(string lookup, Exception inner)
        : base($"the name service could not look up {lookup} ({inner?.Message}); sssd or the directory server may not be up yet (nsswitch.conf names the sources; getent passwd and getent group show what they answer)", inner)
    {
    }
}
