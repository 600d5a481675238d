/// Names a typed value a middleware attaches to a `RequestContext` for the handlers inside it.
///
/// A key is a type, so two libraries cannot collide on a string and a handler gets the value back with its type.
public protocol RequestContextKey {
    /// What the key holds.
    associatedtype Value: Sendable
}
