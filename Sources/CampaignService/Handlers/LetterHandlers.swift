import CampaignProtocol

extension MethodRegistry {
    /// `letter.get`, `letter.update`, `letter.setStatus`.
    mutating func registerLetterHandlers(store: CampaignStore) {
        register(GetLetter.self) { _, context in
            guard let letter = try await store.letter()?.letter, letter.status != .draft || context.role == .admin else {
                throw ResponseError.notFound("the letter is not published")
            }
            return letter
        }
        register(UpdateLetter.self) { params, _ in
            let changes = try LetterChanges(
                title: params.title, body: params.body, recipients: params.recipients,
                signatureGoal: params.signatureGoal)
            return try await store.updateLetter(expectedVersion: params.expectedVersion, changes: changes)
        }
        register(SetLetterStatus.self) { params, _ in
            try await store.setLetterStatus(params.status)
        }
    }
}
