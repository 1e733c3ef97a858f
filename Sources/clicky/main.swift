print("clicky")
