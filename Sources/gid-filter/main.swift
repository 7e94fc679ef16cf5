print("gid-filter")
