namespace MLNet.Nmf.Orleans; public static class Placeholder {}
