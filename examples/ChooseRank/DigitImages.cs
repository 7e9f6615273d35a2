using SkiaSharp;

/// <summary>Draws 8x8 digits as a PNG: one row per digit (original | pixels removed, in red | the removed ones filled from the parts).</summary>
internal static class DigitImages
{
    private const int Cell = 12, Gap = 16;

    public static void Save(string path, float[][] originals, float[][] holey, float[][] filled)
    {
        int width = 3 * 8 * Cell + 4 * Gap, height = originals.Length * (8 * Cell + Gap) + Gap + 20;
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.White);
            using var font = new SKFont(SKTypeface.Default, 13);
            using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            string[] titles = ["original", "30 % removed", "filled"];
            for (int c = 0; c < 3; c++)
                canvas.DrawText(titles[c], Gap + c * (8 * Cell + Gap), 16, font, ink);
            for (int r = 0; r < originals.Length; r++)
            {
                float[][] images = [originals[r], holey[r], filled[r]];
                for (int c = 0; c < 3; c++)
                    Draw(canvas, images[c], Gap + c * (8 * Cell + Gap), 24 + r * (8 * Cell + Gap));
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
    }

    private static void Draw(SKCanvas canvas, float[] pixels, int left, int top)
    {
        using var paint = new SKPaint();
        for (int j = 0; j < 64; j++)
        {
            float v = pixels[j];
            byte shade = (byte)(255 - Math.Clamp(v / 16f, 0f, 1f) * 255);
            paint.Color = float.IsNaN(v) ? new SKColor(230, 60, 60) : new SKColor(shade, shade, shade);
            canvas.DrawRect(left + j % 8 * Cell, top + j / 8 * Cell, Cell, Cell, paint);
        }
    }
}
