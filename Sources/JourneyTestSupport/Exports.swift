// The stages' test support (NoFiles, waitAtMost) comes with the integration tests' support.
@_exported import JourneyStageTestSupport
