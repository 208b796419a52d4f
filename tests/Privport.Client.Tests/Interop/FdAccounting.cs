namespace Privport.Client.Tests.Interop;

/// <summary>Tests that count the whole process's descriptors: they run alone, after every parallel test.</summary>
[CollectionDefinition(nameof(FdAccounting), DisableParallelization = true)]
public sealed class FdAccounting;
