namespace Privport.Tests.Broker;

/// <summary>
/// Tests that time the broker under attack run alone: timings taken while other tests load the machine would measure
/// the machine.
/// </summary>
[CollectionDefinition(nameof(AttackMeasurement), DisableParallelization = true)]
public sealed class AttackMeasurement;
