import JourneyCore

extension Response {
    /// Takes out the `Connection` field, which is HTTP/1.1's own (the connection writes its answer's), and says
    /// whether it asked to close. The fields are touched only when there is one (a change copies them).
    mutating func takeConnectionClose() -> Bool {
        guard self.head.headerFields.contains(.connection) else { return false }
        let asksToClose = self.head.headerFields[values: .connection].contains { value in
            value.split(separator: ",").contains { $0.trimmingBlanks.lowercased() == "close" }
        }
        self.head.headerFields[.connection] = nil
        return asksToClose
    }
}
