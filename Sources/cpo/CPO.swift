import ArgumentParser
import CPOKit

@main
struct CPO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cpo",
        abstract: "Train language models with Contrastive Preference Optimization on CPU clusters.",
        subcommands: [])
}
