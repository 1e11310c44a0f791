/// Logits with a NaN or an infinity: they are no distribution, so no token can be drawn from them
/// (greedy decoding would pick token 0 and top-k/top-p selection has no order). The weights that
/// made them are broken, or their arithmetic overflowed.
public struct NonFiniteLogitsError: Error, CustomStringConvertible, Equatable {
    /// The row's random stream and the generated token's place, when the sampler's caller knows them.
    public var stream: SampleStream?
    public var position: Int?

    public init(stream: SampleStream? = nil, position: Int? = nil) {
        self.stream = stream
        self.position = position
    }

    public var description: String {
        var place = ""
        if let stream {
            place = " for prompt \(stream.example + 1)"
            if stream.step != 0 || stream.candidate != 0 { place += " (step \(stream.step), candidate \(stream.candidate))" }
        }
        if let position { place += " at generated token \(position + 1)" }
        return "the model's next-token logits\(place) are not finite (NaN or infinite): its weights or activations overflowed, so no token can be sampled"
    }
}
