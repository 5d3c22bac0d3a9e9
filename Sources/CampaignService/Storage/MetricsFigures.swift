import GRDB

extension CampaignStore {
    /// Seats held by RSVPs over every event, from the per-event tallies the store keeps with each change
    /// (one row per event, never a scan of the RSVPs), for the metrics scrape.
    func rsvpSeatTotals() throws -> (going: Int, waitlisted: Int) {
        try reading { db in
            let row = try Row.fetchOne(db, sql: "SELECT COALESCE(SUM(going), 0), COALESCE(SUM(waitlisted), 0) FROM event")
            return (try row?.decode(atIndex: 0) ?? 0, try row?.decode(atIndex: 1) ?? 0)
        }
    }
}
