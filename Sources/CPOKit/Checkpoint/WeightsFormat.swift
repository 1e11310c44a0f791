import Foundation

/// How a model folder stores its weights: F32 (what training reads back exactly) or BF16/F16 for export,
/// in one file or, above `maxShardSize` bytes, in shards with an index, as the hub ships them.
public struct WeightsFormat: Sendable, Equatable {
    public var dtype: SafetensorsDType
    public var maxShardSize: Int

    public init(dtype: SafetensorsDType = .f32, maxShardSize: Int = ModelWeights.defaultMaxShardSize) {
        self.dtype = dtype
        self.maxShardSize = maxShardSize
    }

    /// transformers' name of the dtype, for config.json.
    var torchName: String { [.f32: "float32", .bf16: "bfloat16", .f16: "float16"][dtype]! }
    /// The command line's `--save-dtype f32|bf16|f16` and `--max-shard-size` (`ByteSize`: 5GB).
    public init(dtypeName: String, maxShardSize text: String) throws {
        guard let dtype = [("f32", SafetensorsDType.f32), ("bf16", .bf16), ("f16", .f16)].first(where: { $0.0 == dtypeName.lowercased() })?.1 else {
            throw OptionError(option: "save-dtype", value: dtypeName, allowed: "f32, bf16 or f16")
        }
        guard let bytes = ByteSize.parse(text) else {
            throw OptionError(option: "max-shard-size", value: text, allowed: "a size ≥ 1 byte, optionally with KB, MB, GB or KiB, MiB, GiB (e.g. 5GB)")
        }
        self.init(dtype: dtype, maxShardSize: bytes)
    }
}
