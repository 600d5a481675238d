import Yams

/// One key of the configuration file: a value (`backlog: 511`) or a section of keys (`accept:`), each bound to the
/// field of the `Configuration` tree it sets. The file's shape is the list of these (`ConfigurationSchema`), so a
/// key is read, written back, checked and reached from the environment by one description.
package struct Setting<Root> {
    /// The key as the file spells it: the field's name in the tree.
    package let name: String
    /// Sets the field from the file's node, or says in `reading` why it cannot.
    let apply: (inout Root, Node, inout SettingReading) -> Void
    /// The field's value as a node: what `journey config --print` writes.
    let render: (Root) -> Node
    /// Every value under this key (this key alone for a value), with the path below it: the keys that
    /// environment variables reach.
    let values: [(path: [String], apply: (inout Root, Node, inout SettingReading) -> Void)]

    /// A value at `keyPath`, written in `format`.
    static func value<Value>(
        _ name: String,
        _ keyPath: WritableKeyPath<Root, Value>,
        _ format: SettingFormat<Value>
    ) -> Setting {
        let apply: (inout Root, Node, inout SettingReading) -> Void = { root, node, reading in
            if let value = format.parse(node) {
                root[keyPath: keyPath] = value
            } else {
                reading.complain("expected \(format.expected)", at: node)
            }
        }
        return Setting(
            name: name,
            apply: apply,
            render: { format.render($0[keyPath: keyPath]) },
            values: [([], apply)]
        )
    }

    /// A section whose keys `settings` lists, at `keyPath`.
    static func section<Child>(
        _ name: String,
        _ keyPath: WritableKeyPath<Root, Child>,
        _ settings: [Setting<Child>]
    ) -> Setting {
        Setting(
            name: name,
            apply: { root, node, reading in reading.apply(node, settings, to: &root[keyPath: keyPath]) },
            render: { root in Setting<Child>.render(settings, of: root[keyPath: keyPath]) },
            values: Self.values(of: settings) { root, change in change(&root[keyPath: keyPath]) }
        )
    }

    /// A section that may be absent (`tls:`, `staticFiles:`): null removes it; keys given for an absent one start
    /// from `seed`.
    static func optionalSection<Child>(
        _ name: String,
        _ keyPath: WritableKeyPath<Root, Child?>,
        seed: Child,
        _ settings: [Setting<Child>]
    ) -> Setting {
        // A key given for an absent section makes it, from the seed.
        let reach: (inout Root, (inout Child) -> Void) -> Void = { root, change in
            var child = root[keyPath: keyPath] ?? seed
            change(&child)
            root[keyPath: keyPath] = child
        }
        return Setting(
            name: name,
            apply: { root, node, reading in
                if node.isNull {
                    root[keyPath: keyPath] = nil
                } else {
                    reach(&root) { reading.apply(node, settings, to: &$0) }
                }
            },
            render: { root in
                root[keyPath: keyPath].map { Setting<Child>.render(settings, of: $0) } ?? Node("null")
            },
            values: Self.values(of: settings, through: reach)
        )
    }

    /// Every value under `settings` (keys of a `Child` that `reach` hands over to change), by its path from here.
    private static func values<Child>(
        of settings: [Setting<Child>],
        through reach: @escaping (inout Root, (inout Child) -> Void) -> Void
    ) -> [(path: [String], apply: (inout Root, Node, inout SettingReading) -> Void)] {
        settings.flatMap { setting in
            setting.values.map { value in
                (
                    [setting.name] + value.path,
                    { root, node, reading in reach(&root) { value.apply(&$0, node, &reading) } }
                )
            }
        }
    }

    /// A list of sections (`sites:`), each read from `seed` by `settings`; the list replaces the default one.
    static func list<Element>(
        _ name: String,
        _ keyPath: WritableKeyPath<Root, [Element]>,
        seed: Element,
        _ settings: [Setting<Element>]
    ) -> Setting {
        Setting(
            name: name,
            apply: { root, node, reading in
                if node.isNull {
                    root[keyPath: keyPath] = []
                    return
                }
                guard let sequence = node.sequence else {
                    reading.complain("expected a list, one item a line starting with -", at: node)
                    return
                }
                var elements: [Element] = []
                for (index, item) in sequence.enumerated() {
                    var element = seed
                    reading.apply(item, settings, to: &element, index: index)
                    elements.append(element)
                }
                root[keyPath: keyPath] = elements
            },
            render: { root in
                Node(root[keyPath: keyPath].map { Setting<Element>.render(settings, of: $0) })
            },
            // An item of a list has no variable of its own: a list is set whole, in the file.
            values: []
        )
    }

    /// The section `settings` describe, as a mapping in their order.
    static func render(_ settings: [Setting], of root: Root) -> Node {
        Node(settings.map { (Node($0.name), $0.render(root)) })
    }
}
