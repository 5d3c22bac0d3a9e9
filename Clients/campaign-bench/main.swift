// Placeholder: the load generator is being written.
print("campaign-bench")
