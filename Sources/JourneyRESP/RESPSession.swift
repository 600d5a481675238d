/// One connection's state as its commands see it: the databases, the one it has selected, whether it quit.
public struct RESPSession {
    /// Every database of the listener (Redis's 16), shared by all connections.
    let databases: [RESPKeyspace]
    /// The database `SELECT` chose (0 to start with).
    var selected = 0
    /// QUIT was asked: the connection closes after the reply.
    var isQuitting = false

    /// The selected database.
    var keyspace: RESPKeyspace { self.databases[self.selected] }
}
