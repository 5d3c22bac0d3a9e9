// campaign-bench: a closed-loop load generator for campaignd (see CampaignBench.swift).
CampaignBench.main()
