/// What is wrong with the weights of a model folder as a whole: its index, or how the index and
/// its shards agree. Every case names the file at fault and the tensor where one is; defects
/// inside a single safetensors file surface as `SafetensorsError`.
public enum ModelWeightsError: Error, CustomStringConvertible, Equatable {
    /// The folder holds neither `model.safetensors` nor `model.safetensors.index.json`.
    case noWeights(folder: String, lookedFor: [String])
    case unreadableIndex(file: String, reason: String)
    /// The index is not what Hugging Face writes: not a JSON object, no `weight_map` object, or a
    /// `weight_map` value that is not a shard's file name.
    case malformedIndex(file: String, tensor: String?, reason: String)
    /// The index puts `tensor` (and `otherTensors` more) in a shard that is not in the folder.
    case missingShard(index: String, shard: String, tensor: String, otherTensors: Int)
    /// The index puts `tensor` in a shard that does not hold it.
    case tensorNotInShard(index: String, shard: String, tensor: String)
    /// Two shards hold `tensor`, so which one the model gets would depend on reading order.
    case tensorInTwoShards(index: String, tensor: String, shards: [String])
    /// `shard` holds `tensor`, but the index puts it in `mappedTo`, or (nil) does not list it.
    case tensorInWrongShard(index: String, tensor: String, shard: String, mappedTo: String?)

    public var description: String {
        switch self {
        case let .noWeights(folder, lookedFor):
            return "\(folder): no model weights: looked for \(lookedFor.joined(separator: " and "))"
        case let .unreadableIndex(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .malformedIndex(file, tensor, reason):
            return "\(file): malformed safetensors index: \(tensor.map { "tensor '\($0)': " } ?? "")\(reason)"
        case let .missingShard(index, shard, tensor, otherTensors):
            let more = otherTensors > 0 ? " and \(otherTensors) more" : ""
            return "\(shard): missing, but \(index) puts tensor '\(tensor)'\(more) in it"
        case let .tensorNotInShard(index, shard, tensor):
            return "\(shard): tensor '\(tensor)' is missing, but \(index) puts it in this shard"
        case let .tensorInTwoShards(index, tensor, shards):
            return "\(shards.joined(separator: " and ")): tensor '\(tensor)' is in more than one shard of \(index)"
        case let .tensorInWrongShard(index, tensor, shard, mappedTo):
            let mapped = mappedTo.map { "puts it in \($0)" } ?? "does not list it"
            return "\(shard): holds tensor '\(tensor)', but \(index) \(mapped)"
        }
    }
}
