namespace Spotter.Boxes;

/// <summary>
/// Conversions between Spotter's continuous corners and the formats datasets use. Arithmetic is
/// done in double so that integer VOC coordinates survive VOC -> COCO -> YOLO -> VOC exactly.
/// </summary>
public static class BoxFormat
{
    /// <summary>VOC: 1-based inclusive pixel indices; pixel i covers [i-1, i) continuously.</summary>
    public static Box FromVoc(double xmin, double ymin, double xmax, double ymax) =>
        new((float)(xmin - 1), (float)(ymin - 1), (float)xmax, (float)ymax);

    /// <summary>VOC corners, rounded to whole pixels as the format expects.</summary>
    public static (int XMin, int YMin, int XMax, int YMax) ToVoc(Box box) =>
        ((int)Math.Round(box.X1 + 1.0), (int)Math.Round(box.Y1 + 1.0), (int)Math.Round((double)box.X2), (int)Math.Round((double)box.Y2));

    /// <summary>COCO: x, y of the top-left corner, then width and height, in pixels.</summary>
    public static Box FromCoco(double x, double y, double width, double height) =>
        new((float)x, (float)y, (float)(x + width), (float)(y + height));

    public static (double X, double Y, double Width, double Height) ToCoco(Box box) =>
        (box.X1, box.Y1, (double)box.X2 - box.X1, (double)box.Y2 - box.Y1);

    /// <summary>YOLO: centre and size, each divided by the image's width or height.</summary>
    public static Box FromYolo(double cx, double cy, double w, double h, int imageWidth, int imageHeight)
    {
        double x1 = (cx - w / 2) * imageWidth, x2 = (cx + w / 2) * imageWidth;
        double y1 = (cy - h / 2) * imageHeight, y2 = (cy + h / 2) * imageHeight;
        return new((float)x1, (float)y1, (float)x2, (float)y2);
    }

    public static (double Cx, double Cy, double W, double H) ToYolo(Box box, int imageWidth, int imageHeight) =>
        (((double)box.X1 + box.X2) / 2 / imageWidth, ((double)box.Y1 + box.Y2) / 2 / imageHeight,
         ((double)box.X2 - box.X1) / imageWidth, ((double)box.Y2 - box.Y1) / imageHeight);
}
