import FuzzSupport

fuzzMain { data, size in fuzz(data, size) }
