extension String {
    /// The exposition without its `instance` labels, which every series carries (the host name and port): what a
    /// test compares series by.
    package var withoutInstanceLabels: String {
        self.replacing(/\{instance="[^"]*"\}/, with: "").replacing(/,instance="[^"]*"/, with: "")
    }
}
