import CampaignProtocol

extension MethodRegistry {
    /// `person.export`, `person.erase`: a person's records found by the canonical form of their email, the
    /// same form signing keys on, so that `Ada.Lovelace+x@googlemail.com` finds `adalovelace@gmail.com`.
    mutating func registerPersonHandlers(store: CampaignStore) {
        register(ExportPerson.self) { params, _ in
            try await store.exportPerson(emailCanonical: Email.canonical(try Email.validate(params.email)))
        }
        register(ErasePerson.self) { params, _ in
            try await store.erasePerson(emailCanonical: Email.canonical(try Email.validate(params.email)))
        }
    }
}
