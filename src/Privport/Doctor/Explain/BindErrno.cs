namespace Privport.Doctor.Explain;

/// <summary>The three ways a bind fails that the doctor diagnoses, named as errno(3) names them.</summary>
internal enum BindErrno
{
    /// <summary>EACCES (13): the privileged-port rule, or a security module, refused.</summary>
    EACCES,

    /// <summary>EADDRINUSE (98): another socket holds the address and port.</summary>
    EADDRINUSE,

    /// <summary>EADDRNOTAVAIL (99): the address is not one of this host's.</summary>
    EADDRNOTAVAIL,
}
