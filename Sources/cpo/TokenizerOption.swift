import ArgumentParser
import CPOKit

/// `--tokenizer`, shared by the commands that read text: another tokenizer than the model folder's.
struct TokenizerOption: ParsableArguments {
    @Option(help: "Tokenizer: 'byte', or a folder with tokenizer.json (and tokenizer_config.json) or vocab.json + merges.txt (default: the model folder's).")
    var tokenizer: String?

    func resolve() throws -> (any Tokenizer)? {
        try tokenizer.map { try TokenizerFolder.resolve($0) }
    }
}
