"""placeholder"""
def load_demo(password):
    return ""
