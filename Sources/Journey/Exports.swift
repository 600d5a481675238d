@_exported import HTTPTypes
@_exported import JourneyAccept
@_exported import JourneyConnection
@_exported import JourneyCore
@_exported import JourneyHTTP1
@_exported import JourneyObserve
@_exported import JourneyStaticFiles
@_exported import NIOCore
