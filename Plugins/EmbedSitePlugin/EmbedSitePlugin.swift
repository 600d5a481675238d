import Foundation
import PackagePlugin

/// Compiles the files under a target's `Site/` folder into Swift, so the binary carries its own site.
@main
struct EmbedSitePlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let sourceTarget = target as? SourceModuleTarget else { return [] }
        let site = sourceTarget.directoryURL.appending(path: "Site")
        let files =
            (FileManager.default.enumerator(at: site, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? [])
            .filter { !$0.hasDirectoryPath }
            .sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSite.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) site files",
                executable: try context.tool(named: "EmbedSiteTool").url,
                arguments: [site.path, output.path],
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
