import Yams

/// What reading a file has found so far: its problems, and where each key it set was written, so that a complaint
/// of `Configuration.validate()` about a field can point at the line that set it.
struct SettingReading {
    /// The file's name, as complaints print it.
    let source: String
    /// Every problem, in the order met.
    var problems: [ConfigurationFileError.Problem] = []
    /// Where each key the file (or the environment) set was written, by dotted path.
    var places: [String: String] = [:]
    /// The keys above the one being read.
    private var path: [String] = []

    init(source: String) {
        self.source = source
    }

    /// The dotted path of the key being read.
    var key: String { self.path.joined(separator: ".") }

    /// Records a problem with the key being read, at `node`'s line.
    mutating func complain(_ message: String, at node: Node) {
        self.problems.append(.init(place: self.place(of: node), key: self.key, message: message))
    }

    /// `file:line:column` of `node`.
    func place(of node: Node) -> String {
        node.mark.map { "\(self.source):\($0.line):\($0.column)" } ?? self.source
    }

    /// Applies each key of the mapping `node` by the setting of its name; a key with none and a section that is not
    /// a mapping are problems (a key written twice is one already, for Yams).
    mutating func apply<Root>(_ node: Node, _ settings: [Setting<Root>], to root: inout Root, index: Int? = nil) {
        if let index {
            // An item of a list: its keys are `sites[1].hosts`, as `Configuration.validate()` names them.
            let list = self.path.removeLast()
            self.path.append("\(list)[\(index)]")
            self.places[self.key] = self.place(of: node)
        }
        defer {
            if index != nil {
                let item = self.path.removeLast()
                self.path.append(String(item.prefix { $0 != "[" }))
            }
        }
        if node.isNull { return }
        guard let mapping = node.mapping else {
            self.complain("expected a section of keys (\(settings.map(\.name).joined(separator: ", ")))", at: node)
            return
        }
        for (keyNode, value) in mapping {
            let name = keyNode.scalar?.string ?? "?"
            self.path.append(name)
            defer { self.path.removeLast() }
            guard let setting = settings.first(where: { $0.name == name }) else {
                let known = settings.map(\.name).joined(separator: ", ")
                self.complain("unknown key '\(name)' (known here: \(known))", at: keyNode)
                continue
            }
            self.places[self.key] = self.place(of: keyNode)
            setting.apply(&root, value, &self)
        }
    }

    /// Applies one value reached by an environment variable, `variable`, whose key is `key`.
    mutating func apply<Root>(
        environment variable: String,
        key: [String],
        value: Node,
        by apply: (inout Root, Node, inout SettingReading) -> Void,
        to root: inout Root
    ) {
        let outer = self.path
        self.path = key
        self.places[self.key] = variable
        let before = self.problems.count
        apply(&root, value, &self)
        for index in before..<self.problems.count { self.problems[index].place = variable }
        self.path = outer
    }
}
