import NIOConcurrencyHelpers

/// A wait in a test ran past its bound; says what was awaited.
public struct WaitTimedOut: Error, CustomStringConvertible {
    /// What the test was waiting for.
    public var awaited: String
    public var description: String { "waited too long for \(self.awaited)" }
}

/// Waits for `operation` at most `bound` and returns what it returned; past the bound it is cancelled and
/// `WaitTimedOut` names `awaited`, failing the test instead of hanging the run.
///
/// A task group would not do: it waits for every child, so an operation that ignores cancellation (a checked
/// continuation, an event loop future) would hang it anyway. The operation runs in a task of its own and is left
/// to finish when it ignores the cancellation.
public func waitAtMost<Value: Sendable>(
    _ bound: Duration = .seconds(30),
    for awaited: String,
    _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    let waiter = NIOLockedValueBox<CheckedContinuation<Value, any Error>?>(nil)
    let tasks = NIOLockedValueBox<(work: Task<Void, Never>?, timer: Task<Void, Never>?)>((nil, nil))
    /// The continuation, once: whichever of the work and the timer comes first resumes it.
    @Sendable func take() -> CheckedContinuation<Value, any Error>? {
        waiter.withLockedValue { continuation in
            defer { continuation = nil }
            return continuation
        }
    }
    return try await withCheckedThrowingContinuation { continuation in
        waiter.withLockedValue { $0 = continuation }
        let work = Task {
            let result: Result<Value, any Error>
            do { result = .success(try await operation()) } catch { result = .failure(error) }
            tasks.withLockedValue { $0.timer }?.cancel()
            take()?.resume(with: result)
        }
        let timer = Task {
            try? await Task.sleep(for: bound)
            guard !Task.isCancelled, let continuation = take() else { return }
            work.cancel()
            continuation.resume(throwing: WaitTimedOut(awaited: awaited))
        }
        tasks.withLockedValue { $0 = (work, timer) }
    }
}
